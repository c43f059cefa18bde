//! The ffmpeg processes the camera gateway of this process started, read from /proc: shared by
//! the camera tests and the camera benchmark (which includes this file by path).

use std::time::Duration;

/// Process ids of this process's ffmpeg children.
pub fn ffmpeg_children() -> Vec<u32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (name, rest) = stat.split_once(") ")?;
            (name.ends_with("(ffmpeg") && rest.split(' ').nth(1) == Some(me.as_str()))
                .then_some(pid)
        })
        .collect()
}

/// Waits up to 6 s for every ffmpeg child to be gone.
pub async fn no_ffmpeg_left() {
    for _ in 0..60 {
        if ffmpeg_children().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("ffmpeg processes left: {:?}", ffmpeg_children());
}
