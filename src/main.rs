fn main() -> std::process::ExitCode {
    gatecast::commands::main()
}
