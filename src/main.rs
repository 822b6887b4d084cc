//! The `tierzero` binary: parses the command line, runs it, maps the outcome to an exit
//! code. Everything else lives in the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use tierzero::cli::Cli;
use tierzero::commands::{self, Console, EXIT_CLEAN, EXIT_ERROR};
use tierzero::engine::redact::redact_secrets;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // `--help`, `--version`; `| head`: a closed pipe is not an error worth a message.
            let _ = e.print();
            return ExitCode::from(EXIT_CLEAN as u8);
        }
        Err(e) => {
            // clap quotes the offending argument: it may be a key pasted in the wrong place.
            let text = e.render().to_string();
            let _ = std::io::stderr().write_all(redact_secrets(&text).as_bytes());
            return ExitCode::from(EXIT_ERROR as u8);
        }
    };
    // A bug must still fail closed, with one line rather than a backtrace, and writing
    // that line must not itself panic (stderr may be closed or full).
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        let _ = writeln!(
            std::io::stderr(),
            "tierzero: internal error (please report it): {}; failing closed",
            redact_secrets(&message)
        );
    }));
    ExitCode::from(try_main(cli) as u8)
}

/// Runs the command and returns the exit code: the outcome's (0 or 1), or 2 for an error.
fn try_main(cli: Cli) -> i32 {
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    let (mut out, mut err) = (stdout.lock(), stderr.lock());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        commands::run(
            cli,
            &mut Console {
                out: &mut out,
                err: &mut err,
            },
        )
    }));
    match result {
        Ok(Ok(outcome)) => outcome.exit_code(),
        // The reader of our output went away (`tierzero rules | head -1`): a normal end.
        Ok(Err(e)) if commands::is_closed_pipe(&e) => EXIT_CLEAN,
        Ok(Err(e)) => {
            let message = e.to_string();
            let _ = writeln!(err, "tierzero: error: {}", redact_secrets(&message));
            EXIT_ERROR
        }
        Err(_) => EXIT_ERROR,
    }
}
