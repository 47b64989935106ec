fn main() -> std::process::ExitCode {
    gatecast::cli::main()
}
