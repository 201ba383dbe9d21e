fn main() {
    std::process::exit(nines::cli::main());
}
