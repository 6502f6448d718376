use clap::Parser;
use tracing_subscriber::EnvFilter;
use wujin_server::cli::{Cli, run};

/// Import, export and the API allocate and free many small strings per row; glibc's
/// allocator spent a quarter of an export in malloc and free, mimalloc far less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wujin: cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    if let Err(f) = runtime.block_on(run(cli)) {
        if !f.message.is_empty() {
            eprintln!("wujin: {}", f.message);
        }
        std::process::exit(f.code);
    }
}
