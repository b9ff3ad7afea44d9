//! The `trailguard` binary: parses arguments and hands over to `cli`, which glues
//! the library's readers, engine and printers together.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
