//! `mcpcheck demo`: the bundled reference server checked by the full suite, over Streamable HTTP
//! (stateful and the stateless 2026-07-28 wire), the legacy HTTP+SSE transport and stdio.

use super::matrix::{table, Outcome};
use super::{run::execute, DemoArgs, SuiteArgs, EXIT_USAGE};
use crate::protocol::ProtocolVersion;
use crate::transport::Target;
use std::process::ExitCode;
use std::time::Instant;

/// Starts the reference server on an ephemeral loopback port and runs the suite over Streamable
/// HTTP, then (unless `--spec-version` pins one version) at 2026-07-28 over HTTP and at 2024-11-05
/// over the legacy HTTP+SSE transport, then over stdio (a child `mcpcheck serve --stdio`); prints
/// a pass × area table and exits 1 if any check failed.
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
    let mut passes: Vec<(String, Target, SuiteArgs)> = vec![(
        "http".into(),
        Target::Http { url: server.url() },
        for_pass(&args.suite, "http"),
    )];
    if args.suite.spec_version.is_none() {
        let mut modern = for_pass(&args.suite, "http-2026");
        modern.spec_version = Some(ProtocolVersion::V2026_07_28.as_str().into());
        passes.push((
            "http 2026-07-28".into(),
            Target::Http { url: server.url() },
            modern,
        ));
        let mut legacy = for_pass(&args.suite, "sse");
        legacy.spec_version = Some(ProtocolVersion::V2024_11_05.as_str().into());
        passes.push((
            "sse 2024-11-05".into(),
            Target::LegacySse {
                url: format!("{}/sse", server.origin()),
            },
            legacy,
        ));
    }
    let mut rows = Vec::new();
    let mut failed = false;
    for (name, target, pass_args) in passes {
        let outcome = execute(target, &pass_args).await;
        println!();
        match outcome {
            Ok(r) => {
                failed |= r.exit_code() != 0;
                rows.push((name, Outcome::Ran(Box::new(r))));
            }
            Err(code) => {
                server.shutdown().await;
                return code;
            }
        }
    }
    server.shutdown().await;
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
            Ok(r) => {
                failed |= r.exit_code() != 0;
                rows.push(("stdio".into(), Outcome::Ran(Box::new(r))));
            }
            Err(code) => return code,
        }
        println!();
    }
    print!("{}", table("pass", &rows));
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
