//! Figures of the `sasd` program: every function writes the same picture twice,
//! `<stem>.png` (raster) and `<stem>.svg` (vector), atomically (see
//! [`crate::io::write_atomic`]).
//!
//! Text is drawn with the DejaVu Sans font embedded in the binary (registered
//! with plotters once, under the family name `sans-serif` that plotters uses
//! by default), so figures render identically on machines without any system
//! font. Data may be empty, constant, contain NaN or be very long: non-finite
//! values are skipped (lines break there), flat ranges are padded, and series
//! longer than the plot is wide are reduced to the minimum and maximum of each
//! pixel column, which draws the same picture as the full series.

mod convergence;
mod decimate;
mod heatmap;
mod signals;
mod style;

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::io::{IoError, write_atomic};

pub use convergence::plot_convergence;
pub use heatmap::{Colormap, HeatmapOptions, plot_heatmap, plot_image};
pub use signals::{Panel, plot_signal_panels, plot_signals, plot_stems};

/// Size in pixels of [`plot_signals`] and [`plot_stems`] figures.
pub const SIGNAL_SIZE: (u32, u32) = (1000, 400);
/// Size in pixels of [`plot_convergence`] figures.
pub const CONVERGENCE_SIZE: (u32, u32) = (900, 560);
/// Size in pixels of [`plot_image`] / [`plot_heatmap`] figures.
pub const IMAGE_SIZE: (u32, u32) = (820, 680);

/// Font family name under which DejaVu Sans is registered; plotters' default
/// text family (`FontFamily::SansSerif`) has this name.
const FONT: &str = "sans-serif";

/// A figure could not be produced.
#[derive(Debug)]
pub enum PlotError {
    /// Writing the PNG or SVG file failed.
    Io(IoError),
    /// Rendering failed (font, backend or encoder error).
    Draw {
        /// The file being produced.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::Io(e) => e.fmt(f),
            PlotError::Draw { path, message } => {
                write!(f, "{}: cannot draw figure: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlotError::Io(e) => Some(e),
            PlotError::Draw { .. } => None,
        }
    }
}

impl From<IoError> for PlotError {
    fn from(e: IoError) -> Self {
        PlotError::Io(e)
    }
}

/// Registers the embedded DejaVu Sans faces with plotters, once per process.
fn ensure_fonts() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let bad = |_| "the embedded DejaVu font is invalid".to_string();
            plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).map_err(bad)?;
            plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).map_err(bad)?;
            plotters::style::register_font(FONT, FontStyle::Oblique, dejavu::sans::oblique()).map_err(bad)?;
            plotters::style::register_font(FONT, FontStyle::Italic, dejavu::sans::oblique()).map_err(bad)
        })
        .clone()
}

/// `<stem>.<ext>`, keeping any dots already in the stem (`with_extension`
/// would replace the part after the last one).
fn with_suffix(stem: &Path, ext: &str) -> PathBuf {
    let mut s = OsString::from(stem.as_os_str());
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// A picture that can be drawn on any plotters backend.
trait Figure {
    /// Draws on `root` (already filled white). `vector` is true for the SVG,
    /// where the number of elements must stay moderate.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, vector: bool) -> Result<(), String>;
}

/// Any plotters error as the message of a [`PlotError::Draw`].
fn de<E: fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Draws `fig` on a white page of `backend` and flushes the backend.
fn paint<DB: DrawingBackend>(backend: DB, fig: &impl Figure, vector: bool) -> Result<(), String> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(de)?;
    fig.draw(&root, vector)?;
    root.present().map_err(de)
}

/// Renders `fig` to `<stem>.png` and `<stem>.svg`.
fn render(stem: &Path, size: (u32, u32), fig: &impl Figure) -> Result<(), PlotError> {
    let png_path = with_suffix(stem, "png");
    let svg_path = with_suffix(stem, "svg");
    let draw_err = |path: &Path, message: String| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    };
    ensure_fonts().map_err(|m| draw_err(&png_path, m))?;
    let (w, h) = size;

    let mut buf = vec![0u8; w as usize * h as usize * 3];
    paint(BitMapBackend::with_buffer(&mut buf, size), fig, false).map_err(|m| draw_err(&png_path, m))?;
    let img = image::RgbImage::from_raw(w, h, buf)
        .ok_or_else(|| draw_err(&png_path, "bitmap buffer has the wrong size".into()))?;
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| draw_err(&png_path, format!("PNG encoding failed ({e})")))?;
    write_atomic(&png_path, &png)?;

    let mut svg = String::new();
    paint(SVGBackend::with_string(&mut svg, size), fig, true).map_err(|m| draw_err(&svg_path, m))?;
    write_atomic(&svg_path, svg.as_bytes())?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_util {
    use std::path::Path;

    use super::with_suffix;

    /// Both files exist, the PNG has `size` and visible ink, the SVG is a
    /// moderate-size SVG that contains `title`.
    pub(crate) fn check_outputs(stem: &Path, size: (u32, u32), title: &str) {
        let png = with_suffix(stem, "png");
        let svg = with_suffix(stem, "svg");
        let img = image::open(&png).expect("PNG decodes").to_rgb8();
        assert_eq!(img.dimensions(), size);
        // Something other than white background was drawn.
        let dark = img.pixels().filter(|p| p.0.iter().all(|&c| c < 100)).count();
        assert!(dark > 500, "too few dark pixels in {}: {dark}", png.display());
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..50.min(text.len())]);
        assert!(text.contains(title), "SVG lacks the title {title}");
        assert!(text.len() < 3_000_000, "SVG too big: {}", text.len());
    }

    /// The title is drawn as real glyphs in the PNG: the band above the plot
    /// contains dark anti-aliased pixels of intermediate grey levels.
    pub(crate) fn title_glyphs_drawn(stem: &Path) -> bool {
        let img = image::open(with_suffix(stem, "png")).unwrap().to_rgb8();
        let mut levels = std::collections::BTreeSet::new();
        for y in 0..30 {
            for x in 0..img.width() {
                let p = img.get_pixel(x, y).0;
                if p[0] < 250 {
                    levels.insert(p[0] / 16);
                }
            }
        }
        levels.len() >= 4
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::check_outputs;
    use super::*;

    #[test]
    fn degenerate_data_does_not_fail() {
        let d = tempfile::tempdir().unwrap();
        let stem = d.path().join("odd");
        let nan = [f64::NAN, 1.0, f64::NAN, 2.0, f64::INFINITY];
        let constant = [3.0; 10];
        plot_signals(
            &stem,
            "Odd",
            &[("nan", &nan), ("const", &constant), ("empty", &[])],
        )
        .unwrap();
        plot_signals(&stem, "Odd", &[]).unwrap();
        plot_signals(&stem, "Odd", &[("all nan", &[f64::NAN; 4])]).unwrap();
        plot_stems(&stem, "Odd", &[("zeros", &[0.0; 8]), ("one", &[5.0])]).unwrap();
        plot_stems(&stem, "Odd", &[("nan", &nan)]).unwrap();
        plot_convergence(
            &stem,
            "Odd",
            "x",
            "y",
            &[("neg", &[(0.0, -1.0), (1.0, 0.0)])],
            true,
        )
        .unwrap();
        plot_convergence(
            &stem,
            "Odd",
            "x",
            "y",
            &[("flat", &[(1.0, 2.0), (1.0, 2.0)])],
            true,
        )
        .unwrap();
        plot_convergence(&stem, "Odd", "x", "y", &[("nan", &[(f64::NAN, 1.0)])], false).unwrap();
        plot_convergence(&stem, "Odd", "x", "y", &[], false).unwrap();
        plot_image(&stem, "Odd", &[1.0; 6], 2, 3).unwrap();
        plot_image(&stem, "Odd", &[f64::NAN, 1.0, 2.0, 3.0], 2, 2).unwrap();
        plot_image(&stem, "Odd", &[1.0; 5], 2, 3).unwrap();
        plot_image(&stem, "Odd", &[], 0, 0).unwrap();
        check_outputs(&stem, IMAGE_SIZE, "Odd");
    }
}
