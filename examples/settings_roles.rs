//! The settings modules the project index finds under a folder, with their roles and why:
//!
//! ```sh
//! cargo run --release --example settings_roles -- PROJECT_ROOT
//! ```
//!
//! One line per module: role, reason, path relative to the root (docs/settings.md explains the
//! roles). Useful when triaging settings findings on a real project.

use std::path::Path;

use djsec::project::ProjectIndex;

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: settings_roles PROJECT_ROOT");
        std::process::exit(2);
    };
    let index = ProjectIndex::build(Path::new(&root));
    for module in index.settings_modules() {
        let path = module
            .path
            .strip_prefix(index.root())
            .unwrap_or(&module.path);
        println!(
            "{:<12} {:<16} {}",
            format!("{:?}", module.role),
            format!("{:?}", module.reason),
            path.display()
        );
    }
}
