//! Photos made in the tests themselves: PNG with the png crate, JPEG with ffmpeg, HEIC with
//! libheif's `heif-enc` (scripts/setup.sh installs both tools).

use std::path::Path;
use std::process::{Command, Stdio};

/// A PNG of `width`×`height` with a pattern of its own.
pub fn png_photo(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height * 3)
        .map(|i| u8::try_from(i % 251).unwrap())
        .collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

/// Runs a picture tool and returns what it wrote; a missing tool fails naming its package.
fn run_tool(program: &str, package: &str, args: &[&str], output: &Path) -> Vec<u8> {
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{program} ({package}, scripts/setup.sh): {e}"));
    assert!(status.success(), "{program} {args:?}: {status}");
    std::fs::read(output).unwrap()
}

/// A JPEG of `width`×`height` made by ffmpeg from its test picture.
pub fn jpeg_photo(dir: &Path, width: u32, height: u32) -> Vec<u8> {
    let path = dir.join(format!("photo-{width}x{height}.jpg"));
    run_tool(
        "ffmpeg",
        "ffmpeg",
        &[
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc=size={width}x{height}:rate=1"),
            "-frames:v",
            "1",
            path.to_str().unwrap(),
        ],
        &path,
    )
}

/// A HEIC photo (what iPhones take) encoded by libheif's `heif-enc` from a JPEG.
pub fn heic_photo(dir: &Path, width: u32, height: u32) -> Vec<u8> {
    let jpeg = dir.join("for-heic.jpg");
    std::fs::write(&jpeg, jpeg_photo(dir, width, height)).unwrap();
    let path = dir.join("photo.heic");
    run_tool(
        "heif-enc",
        "libheif-examples",
        &[
            "-q",
            "60",
            "-o",
            path.to_str().unwrap(),
            jpeg.to_str().unwrap(),
        ],
        &path,
    )
}
