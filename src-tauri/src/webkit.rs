//! WebKitGTK settings the window needs before the engine starts.
//!
//! Skia's GPU painting in WebKitGTK 2.46+ compiles its shader module (`sksl_gpu`) from text when
//! the web process first paints. Its integer parser checks `errno` after `strtoull`, and
//! JavaScriptCore's garbage collector suspends the page's thread with a signal whose handler
//! ends in `sigsuspend`, which sets `errno` to `EINTR` and does not restore it. When a collection
//! lands inside that parse, the literal `0` reads as "integer is too large", the module fails to
//! load and the web process aborts — the window goes blank (seen once in ~300 window starts under
//! the e2e suite: "Unexpected errors compiling sksl_gpu … Unable to load module sksl_gpu").
//!
//! Painting with Skia on the CPU never compiles that module. The map is WebGL, which does not go
//! through Skia, so only the panels are painted on the CPU. An operator who wants GPU painting
//! back sets `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0`.

/// The variable WebKit reads in the web process; the web process inherits our environment.
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// What the environment should gain before WebKit starts, if anything: the operator's own
/// choice is kept.
#[must_use]
pub fn missing_settings(current: Option<&std::ffi::OsStr>) -> Option<(&'static str, &'static str)> {
    current.is_none().then_some((CPU_RENDERING, "1"))
}

/// Setting a variable in a running process is unsound once threads exist (and the workspace
/// forbids `unsafe`), so the app starts itself again with the variable set, in the same process
/// (`exec`): same pid, same arguments, same standard streams. Returns only if nothing was
/// missing or the exec failed (then the app goes on with WebKit's default painting).
#[cfg(target_os = "linux")]
pub fn ensure_environment() {
    use std::os::unix::process::CommandExt;

    let Some((name, value)) = missing_settings(std::env::var_os(CPU_RENDERING).as_deref()) else {
        return;
    };
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(name, value)
        .exec();
    eprintln!("{name}={value} could not be applied ({error}); WebKit paints with its defaults");
}

#[cfg(not(target_os = "linux"))]
pub fn ensure_environment() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_painting_is_added_only_when_the_operator_said_nothing() {
        assert_eq!(missing_settings(None), Some((CPU_RENDERING, "1")));
        assert_eq!(missing_settings(Some("0".as_ref())), None);
        assert_eq!(missing_settings(Some("1".as_ref())), None);
    }
}
