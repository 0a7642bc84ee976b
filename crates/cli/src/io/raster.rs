//! Raster images (PNG, TIFF) read through the `image` crate as luma in `[0, 1]`.

use std::path::Path;

use super::{Input, IoError, extension_lower, read_bytes};

/// Reads a PNG or TIFF (the format from the extension, or from the content
/// when they disagree) and converts it to luma in `[0, 1]`, row-major:
/// [`Input::Image`]. Empty images and non-finite pixels are refused.
pub(super) fn read_image(path: &Path) -> Result<Input, IoError> {
    let bytes = read_bytes(path)?;
    let format = match extension_lower(path).as_deref() {
        Some("png") => image::ImageFormat::Png,
        _ => image::ImageFormat::Tiff,
    };
    let reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .with_guessed_format()
        .map_err(|e| IoError::os(path, "cannot read file", e))?;
    let img = reader
        .decode()
        .map_err(|e| IoError::format(path, format!("cannot decode image ({e})")))?;
    let luma = img.to_luma32f();
    let (cols, rows) = (luma.width() as usize, luma.height() as usize);
    if rows == 0 || cols == 0 {
        return Err(IoError::format(path, "no data (image is empty)"));
    }
    let data: Vec<f64> = luma.into_raw().into_iter().map(f64::from).collect();
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(IoError::format(
            path,
            format!(
                "non-finite value {} at pixel (row {}, column {})",
                data[i],
                i / cols,
                i % cols
            ),
        ));
    }
    Ok(Input::Image { data, rows, cols })
}

#[cfg(test)]
mod tests {
    use crate::io::test_util::{err_msg, tmp};
    use crate::io::{Input, read_input};
    use std::fs;

    #[test]
    fn png_grayscale_and_colour() {
        let d = tmp();
        let p = d.path().join("g.png");
        let img = image::GrayImage::from_fn(5, 3, |x, y| image::Luma([(x * 50 + y) as u8]));
        img.save(&p).unwrap();
        match read_input(&p).unwrap() {
            Input::Image { data, rows, cols } => {
                assert_eq!((rows, cols), (3, 5));
                assert!((data[4] - 200.0 / 255.0).abs() < 1e-6);
                assert!((data[5] - 1.0 / 255.0).abs() < 1e-6);
                assert!(data.iter().all(|v| (0.0..=1.0).contains(v)));
            }
            other => panic!("expected an image, got {other:?}"),
        }
        let p = d.path().join("c.PNG");
        let img = image::RgbImage::from_pixel(4, 2, image::Rgb([255, 255, 255]));
        img.save_with_format(&p, image::ImageFormat::Png).unwrap();
        match read_input(&p).unwrap() {
            Input::Image { data, rows, cols } => {
                assert_eq!((rows, cols), (2, 4));
                assert!(data.iter().all(|v| (v - 1.0).abs() < 1e-6));
            }
            other => panic!("expected an image, got {other:?}"),
        }
        fs::write(&p, b"not a png").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("cannot decode image"), "{m}");
    }
}
