//! Rule files: the model (groups, rules, every field with its key and value node), strict
//! structure validation helpers, dialects, durations, names and Go templates.

pub mod dialect;
pub mod duration;
pub mod model;
pub mod names;
pub mod template;

pub use dialect::Dialect;
pub use model::{Field, Group, Pair, Rule, RuleFile, RuleFileKind, RuleKind};
pub use names::NameValidation;

/// Settings that change how rule files are judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleOptions {
    pub dialect: Dialect,
    pub name_validation: NameValidation,
}

/// Parses a file's YAML into the rule-file model.
pub fn load(file: &crate::source::SourceFile) -> Result<RuleFile, crate::yaml::YamlError> {
    Ok(RuleFile::from_documents(crate::yaml::parse_documents(
        file,
    )?))
}
