fn main() {
    std::process::exit(promgate::cli::main());
}
