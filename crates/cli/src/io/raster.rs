//! Raster images (PNG, TIFF) as luma, row-major.
//!
//! The image's dimensions are read from its header and checked against
//! [`MAX_SAMPLES`] before anything is decoded, so a small file that decodes to
//! gigabytes (a 16000×16000 black PNG is 249 KB) is refused in milliseconds;
//! the decoders also run under allocation limits. PNG goes through the
//! `image` crate. TIFF is read with the `tiff` crate directly (the one `image`
//! uses), which decodes what `image` refuses, such as single-channel float32
//! (microscopy, astronomy), and counts pages: a multi-page TIFF is refused
//! rather than read as its first page without a word.

use std::io::Cursor;
use std::path::Path;

use tiff::ColorType;
use tiff::decoder::{Decoder, DecodingResult};

use super::{Input, IoError, extension_lower, read_bytes};
use crate::limits::MAX_SAMPLES;

/// Bytes the decoders may allocate: the largest accepted image as 16-bit
/// RGBA (8 bytes per pixel), twice over for conversions.
const MAX_DECODE_BYTES: usize = MAX_SAMPLES * 16;

/// ITU-R BT.709 luma weights, those of `image`'s grey conversion.
const LUMA: [f64; 3] = [0.2126, 0.7152, 0.0722];

/// Reads a PNG or TIFF (the format from the content's signature, else from
/// the extension) and converts it to luma, row-major: [`Input::Image`].
/// Integer samples are scaled to `[0, 1]` (by 255, 65535, ...); float samples
/// keep their values. Empty, too large and multi-page images and non-finite
/// pixels are refused.
pub(super) fn read_image(path: &Path) -> Result<Input, IoError> {
    let bytes = read_bytes(path)?;
    let tiff_magic = [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"];
    let is_tiff = tiff_magic.iter().any(|m| bytes.starts_with(*m));
    let is_png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    let (data, rows, cols) = if is_tiff || (!is_png && extension_lower(path).as_deref() != Some("png")) {
        read_tiff(path, &bytes)?
    } else {
        read_with_image(path, &bytes, image::ImageFormat::Png)?
    };
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

/// Refuses an empty image, or one of more than [`MAX_SAMPLES`] pixels.
fn check_dimensions(path: &Path, width: u32, height: u32) -> Result<(usize, usize), IoError> {
    let (cols, rows) = (width as usize, height as usize);
    if rows == 0 || cols == 0 {
        return Err(IoError::format(path, "no data (image is empty)"));
    }
    match rows.checked_mul(cols) {
        Some(n) if n <= MAX_SAMPLES => Ok((rows, cols)),
        _ => Err(IoError::format(
            path,
            format!(
                "image of {width}x{height} pixels is larger than the {MAX_SAMPLES} (2^25) pixels this program handles: crop or downsample it"
            ),
        )),
    }
}

fn decode_error(path: &Path, e: impl std::fmt::Display) -> IoError {
    IoError::format(path, format!("cannot decode image ({e})"))
}

/// Header first, then the pixels through `image`, under its allocation limit.
fn read_with_image(
    path: &Path,
    bytes: &[u8],
    format: image::ImageFormat,
) -> Result<(Vec<f64>, usize, usize), IoError> {
    let reader = || image::ImageReader::with_format(Cursor::new(bytes), format);
    let (w, h) = reader().into_dimensions().map_err(|e| decode_error(path, e))?;
    let (rows, cols) = check_dimensions(path, w, h)?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES as u64);
    let mut r = reader();
    r.limits(limits);
    let img = r.decode().map_err(|e| decode_error(path, e))?;
    let luma = img.to_luma32f();
    let data = luma.into_raw().into_iter().map(f64::from).collect();
    Ok((data, rows, cols))
}

/// A TIFF of one page: grey, grey + alpha, RGB or RGBA samples of any integer
/// or float type through `tiff`; other colour models (palette, CMYK, YCbCr)
/// through `image`.
fn read_tiff(path: &Path, bytes: &[u8]) -> Result<(Vec<f64>, usize, usize), IoError> {
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = MAX_DECODE_BYTES;
    limits.intermediate_buffer_size = MAX_DECODE_BYTES;
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(|e| decode_error(path, e))?
        .with_limits(limits);
    let (w, h) = dec.dimensions().map_err(|e| decode_error(path, e))?;
    let (rows, cols) = check_dimensions(path, w, h)?;
    let colour = dec.colortype().map_err(|e| decode_error(path, e))?;
    if dec.more_images() {
        let mut pages = 1;
        while dec.more_images() && pages < 10_000 && dec.next_image().is_ok() {
            pages += 1;
        }
        return Err(IoError::format(
            path,
            format!(
                "is a multi-page TIFF ({pages} pages): sasd deconvolves one image, so save the page you want as its own file"
            ),
        ));
    }
    let channels = match colour {
        ColorType::Gray(8 | 16 | 32 | 64) => 1,
        ColorType::GrayA(8 | 16 | 32 | 64) => 2,
        ColorType::RGB(8 | 16 | 32 | 64) => 3,
        ColorType::RGBA(8 | 16 | 32 | 64) => 4,
        _ => return read_with_image(path, bytes, image::ImageFormat::Tiff),
    };
    let samples = to_f64(dec.read_image().map_err(|e| decode_error(path, e))?);
    let pixels = rows * cols;
    if samples.len() < pixels * channels {
        return Err(IoError::format(
            path,
            format!(
                "truncated image: {} samples for {w}x{h} pixels of {channels} channel(s)",
                samples.len()
            ),
        ));
    }
    let data = match channels {
        1 => samples[..pixels].to_vec(),
        _ => samples
            .chunks_exact(channels)
            .take(pixels)
            .map(|p| match channels {
                2 => p[0],
                _ => LUMA[0] * p[0] + LUMA[1] * p[1] + LUMA[2] * p[2],
            })
            .collect(),
    };
    Ok((data, rows, cols))
}

/// Samples as `f64`: integers scaled by their type's largest value, floats
/// as they are.
fn to_f64(samples: DecodingResult) -> Vec<f64> {
    fn scaled<T: Copy + Into<f64>>(v: &[T], max: f64) -> Vec<f64> {
        v.iter().map(|&t| t.into() / max).collect()
    }
    match samples {
        DecodingResult::U8(v) => scaled(&v, 255.0),
        DecodingResult::U16(v) => scaled(&v, 65535.0),
        DecodingResult::U32(v) => scaled(&v, f64::from(u32::MAX)),
        DecodingResult::U64(v) => v.iter().map(|&t| t as f64 / u64::MAX as f64).collect(),
        DecodingResult::I8(v) => scaled(&v, 127.0),
        DecodingResult::I16(v) => scaled(&v, 32767.0),
        DecodingResult::I32(v) => scaled(&v, f64::from(i32::MAX)),
        DecodingResult::I64(v) => v.iter().map(|&t| t as f64 / i64::MAX as f64).collect(),
        DecodingResult::F16(v) => v.iter().map(|t| t.to_f64()).collect(),
        DecodingResult::F32(v) => v.into_iter().map(f64::from).collect(),
        DecodingResult::F64(v) => v,
    }
}

#[cfg(test)]
mod tests {
    use crate::io::test_util::{err_msg, tmp};
    use crate::io::{Input, read_input};
    use std::fs;
    use std::time::Instant;

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

    /// A black 16000×16000 PNG (a few hundred KB, 256 M pixels decoded) is
    /// refused from its header, before any decoding.
    #[test]
    fn a_huge_png_is_refused_from_its_header() {
        let d = tmp();
        let p = d.path().join("huge.png");
        fs::write(&p, super::super::test_util::huge_png(16_000, 16_000)).unwrap();
        let t = Instant::now();
        let m = err_msg(read_input(&p));
        assert!(m.contains("16000x16000") && m.contains("2^25"), "{m}");
        assert!(t.elapsed().as_secs_f64() < 1.0, "took {:?}", t.elapsed());
    }

    #[test]
    fn float32_tiff_is_read_and_multi_page_tiff_refused() {
        use tiff::encoder::{TiffEncoder, colortype};
        let d = tmp();
        let p = d.path().join("f.tif");
        let px: Vec<f32> = (0..12).map(|i| i as f32 * 0.25 - 1.0).collect();
        {
            let mut enc = TiffEncoder::new(fs::File::create(&p).unwrap()).unwrap();
            enc.write_image::<colortype::Gray32Float>(4, 3, &px).unwrap();
        }
        match read_input(&p).unwrap() {
            Input::Image { data, rows, cols } => {
                assert_eq!((rows, cols), (3, 4));
                assert_eq!(data, px.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
            }
            other => panic!("expected an image, got {other:?}"),
        }
        let p = d.path().join("u16.tiff");
        {
            let mut enc = TiffEncoder::new(fs::File::create(&p).unwrap()).unwrap();
            enc.write_image::<colortype::Gray16>(2, 1, &[0, 65535]).unwrap();
        }
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Image {
                data: vec![0.0, 1.0],
                rows: 1,
                cols: 2
            }
        );
        let p = d.path().join("stack.tif");
        {
            let mut enc = TiffEncoder::new(fs::File::create(&p).unwrap()).unwrap();
            for _ in 0..3 {
                enc.write_image::<colortype::Gray8>(2, 2, &[0, 1, 2, 3]).unwrap();
            }
        }
        let m = err_msg(read_input(&p));
        assert!(m.contains("multi-page TIFF (3 pages)"), "{m}");
        let p = d.path().join("nan.tif");
        {
            let mut enc = TiffEncoder::new(fs::File::create(&p).unwrap()).unwrap();
            enc.write_image::<colortype::Gray32Float>(2, 1, &[0.0, f32::NAN])
                .unwrap();
        }
        let m = err_msg(read_input(&p));
        assert!(m.contains("non-finite") && m.contains("column 1"), "{m}");
    }
}
