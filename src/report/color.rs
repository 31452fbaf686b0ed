//! When to colour output: `--color auto|always|never`, the `NO_COLOR` and
//! `CLICOLOR_FORCE` conventions, and whether the stream is a terminal.

/// The `--color` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Decides whether to colour. An explicit flag wins over the environment; in `auto`,
/// a non-empty `NO_COLOR` turns colour off and a non-empty `CLICOLOR_FORCE` other
/// than `0` turns it on even off a terminal (CI logs render ANSI colours).
pub fn use_color(
    choice: ColorChoice,
    is_terminal: bool,
    env: impl Fn(&str) -> Option<String>,
) -> bool {
    let set = |name: &str| env(name).is_some_and(|value| !value.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto
            if set("CLICOLOR_FORCE") && env("CLICOLOR_FORCE").as_deref() != Some("0") =>
        {
            true
        }
        ColorChoice::Auto => is_terminal,
    }
}

/// [`use_color`] with the process environment.
pub fn use_color_from_env(choice: ColorChoice, is_terminal: bool) -> bool {
    use_color(choice, is_terminal, |name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    #[test]
    fn no_color_wins_in_auto_but_not_over_always() {
        assert!(!use_color(
            ColorChoice::Auto,
            true,
            env(&[("NO_COLOR", "1")])
        ));
        assert!(use_color(
            ColorChoice::Always,
            false,
            env(&[("NO_COLOR", "1")])
        ));
        assert!(use_color(ColorChoice::Auto, true, env(&[("NO_COLOR", "")])));
    }

    #[test]
    fn auto_follows_the_terminal_unless_forced() {
        assert!(!use_color(ColorChoice::Auto, false, env(&[])));
        assert!(use_color(
            ColorChoice::Auto,
            false,
            env(&[("CLICOLOR_FORCE", "1")])
        ));
        assert!(!use_color(
            ColorChoice::Auto,
            false,
            env(&[("CLICOLOR_FORCE", "0")])
        ));
        assert!(!use_color(
            ColorChoice::Never,
            true,
            env(&[("CLICOLOR_FORCE", "1")])
        ));
    }
}
