//! `mcpcheck demo`: the bundled reference server checked by the full suite, over HTTP and stdio.

use super::{run::execute, DemoArgs, SuiteArgs, EXIT_USAGE};
use crate::transport::Target;
use std::process::ExitCode;
use std::time::Instant;

/// Starts the reference server on an ephemeral loopback port, runs the suite over HTTP, then
/// over stdio (a child `mcpcheck serve --stdio`), and exits 1 if any check failed.
pub async fn demo(args: DemoArgs) -> ExitCode {
    let started = Instant::now();
    let config = mcp_reference_server::ServerConfig::default();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server = match mcp_reference_server::start_http(config, addr).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the reference server: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    println!("reference server listening on {}\n", server.url());
    let http = execute(
        Target::Http { url: server.url() },
        &for_pass(&args.suite, "http"),
    )
    .await;
    server.shutdown().await;
    let mut failed = match http {
        Ok(r) => r.exit_code() != 0,
        Err(code) => return code,
    };
    if !args.http_only {
        let exe = match std::env::current_exe() {
            Ok(p) => p.display().to_string(),
            Err(e) => {
                eprintln!("error: cannot find the mcpcheck executable for the stdio pass: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        println!();
        let stdio = Target::Stdio {
            program: exe,
            args: vec!["serve".into(), "--stdio".into()],
            env: Vec::new(),
        };
        match execute(stdio, &for_pass(&args.suite, "stdio")).await {
            Ok(r) => failed |= r.exit_code() != 0,
            Err(code) => return code,
        }
    }
    println!("\ndemo finished in {:.1}s", started.elapsed().as_secs_f64());
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The suite options of one pass, with `--report` paths suffixed by the pass name
/// (`out/run.json` → `out/run.http.json`) so the two passes do not overwrite each other.
fn for_pass(args: &SuiteArgs, pass: &str) -> SuiteArgs {
    let mut a = args.clone();
    a.reports = args
        .reports
        .iter()
        .map(|r| match r.split_once(':') {
            Some((format, path)) => {
                let p = std::path::Path::new(path);
                let stem = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                let name = match p.extension() {
                    Some(ext) => format!("{stem}.{pass}.{}", ext.to_string_lossy()),
                    None => format!("{stem}.{pass}"),
                };
                format!("{format}:{}", p.with_file_name(name).display())
            }
            None => r.clone(),
        })
        .collect();
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn report_paths_get_the_pass_name() {
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            s: SuiteArgs,
        }
        let t = T::parse_from([
            "t",
            "--report",
            "json:out/run.json",
            "--report",
            "junit:out/junit",
        ]);
        let a = for_pass(&t.s, "http");
        assert_eq!(
            a.reports,
            vec!["json:out/run.http.json", "junit:out/junit.http"]
        );
    }
}
