fn main() {
    std::process::exit(promgate_cli());
}

fn promgate_cli() -> i32 {
    eprintln!("promgate: the command line is being assembled");
    2
}
