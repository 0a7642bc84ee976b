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

use std::ffi::OsString;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use crate::io::{IoError, write_atomic};

/// Size in pixels of [`plot_signals`] and [`plot_stems`] figures.
pub const SIGNAL_SIZE: (u32, u32) = (1000, 400);
/// Size in pixels of [`plot_convergence`] figures.
pub const CONVERGENCE_SIZE: (u32, u32) = (900, 560);
/// Size in pixels of [`plot_image`] / [`plot_heatmap`] figures.
pub const IMAGE_SIZE: (u32, u32) = (820, 680);

/// Font family name under which DejaVu Sans is registered; plotters' default
/// text family (`FontFamily::SansSerif`) has this name.
const FONT: &str = "sans-serif";

/// Largest number of heat-map cells per axis written into an SVG (larger
/// images are block-averaged), to keep vector files small.
const SVG_MAX_CELLS: usize = 128;

/// Tableau-10 colours: distinct, and readable by most colour-blind viewers.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

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

/// Colour map of a heat map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colormap {
    /// Perceptually uniform dark blue → yellow (matplotlib's default).
    Viridis,
    /// Black → white, for photographs and microscopy frames.
    Gray,
}

/// Options of [`plot_heatmap`]. `Default` gives a viridis image with row 0 at
/// the top and axes in pixel indices.
#[derive(Debug, Clone)]
pub struct HeatmapOptions {
    /// Colour map.
    pub colormap: Colormap,
    /// Label of the horizontal axis (columns).
    pub x_label: String,
    /// Label of the vertical axis (rows).
    pub y_label: String,
    /// Label of the colour bar (may be empty).
    pub value_label: String,
    /// Coordinates `[x_min, x_max, y_min, y_max]` spanned by the grid (cell
    /// edges), e.g. the parameter range of a landscape; `None` uses pixel
    /// indices.
    pub extent: Option<[f64; 4]>,
    /// `true`: row 0 is drawn at the top (images); `false`: row 0 at the
    /// bottom, i.e. at `y_min` (function values over a parameter grid).
    pub row0_at_top: bool,
    /// Points to mark with white crosses, in the same coordinates as the axes
    /// (e.g. the shifts of the kernel on a landscape).
    pub marks: Vec<(f64, f64)>,
}

impl Default for HeatmapOptions {
    fn default() -> Self {
        HeatmapOptions {
            colormap: Colormap::Viridis,
            x_label: "column".to_string(),
            y_label: "row".to_string(),
            value_label: String::new(),
            extent: None,
            row0_at_top: true,
            marks: Vec::new(),
        }
    }
}

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

fn de<E: fmt::Display>(e: E) -> String {
    e.to_string()
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
    {
        let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(de)
            .and_then(|()| fig.draw(&root, false))
            .and_then(|()| root.present().map_err(de))
            .map_err(|m| draw_err(&png_path, m))?;
    }
    let img = image::RgbImage::from_raw(w, h, buf)
        .ok_or_else(|| draw_err(&png_path, "bitmap buffer has the wrong size".into()))?;
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| draw_err(&png_path, format!("PNG encoding failed ({e})")))?;
    write_atomic(&png_path, &png)?;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(de)
            .and_then(|()| fig.draw(&root, true))
            .and_then(|()| root.present().map_err(de))
            .map_err(|m| draw_err(&svg_path, m))?;
    }
    write_atomic(&svg_path, svg.as_bytes())?;
    Ok(())
}

/// `[lo, hi]` of the finite values, or `None`.
fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((a.min(v), b.max(v))),
        })
}

/// An axis range around `[lo, hi]` with 5% margins; a flat or missing range is
/// widened so plotters always gets a non-empty finite interval.
fn padded(range: Option<(f64, f64)>) -> Range<f64> {
    match range {
        None => -1.0..1.0,
        Some((lo, hi)) => {
            let span = hi - lo;
            if span > 1e-12 * lo.abs().max(hi.abs()) && span.is_finite() {
                let m = 0.05 * span;
                (lo - m)..(hi + m)
            } else {
                let p = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
                (lo - p)..(hi + p)
            }
        }
    }
}

/// A log-scale range around the positive `[lo, hi]`, padded by a small factor
/// (a whole decade each side when flat or missing).
fn padded_log(range: Option<(f64, f64)>) -> Range<f64> {
    match range {
        None => 0.1..10.0,
        Some((lo, hi)) => {
            let decades = (hi / lo).log10();
            if decades > 1e-9 {
                let f = 10f64.powf(0.05 * decades);
                (lo / f)..(hi * f)
            } else {
                (lo / 10.0)..(hi * 10.0)
            }
        }
    }
}

/// Polylines of `ys` against `x = index`, broken at non-finite values and
/// reduced, when longer than `2 * buckets`, to the minimum and maximum of each
/// of `buckets` consecutive index groups (kept in index order).
fn decimated_segments(ys: &[f64], buckets: usize) -> Vec<Vec<(f64, f64)>> {
    let n = ys.len();
    let mut segs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let mut flush = |cur: &mut Vec<(f64, f64)>| {
        if !cur.is_empty() {
            segs.push(std::mem::take(cur));
        }
    };
    if n <= 2 * buckets.max(1) {
        for (i, &y) in ys.iter().enumerate() {
            if y.is_finite() {
                cur.push((i as f64, y));
            } else {
                flush(&mut cur);
            }
        }
    } else {
        let b = buckets.max(1);
        for k in 0..b {
            let (s, e) = (k * n / b, (k + 1) * n / b);
            let mut lo: Option<(usize, f64)> = None;
            let mut hi: Option<(usize, f64)> = None;
            let mut gap = false;
            for (i, &y) in ys[s..e].iter().enumerate() {
                if !y.is_finite() {
                    gap = true;
                    continue;
                }
                if lo.is_none_or(|(_, v)| y < v) {
                    lo = Some((s + i, y));
                }
                if hi.is_none_or(|(_, v)| y > v) {
                    hi = Some((s + i, y));
                }
            }
            if gap {
                flush(&mut cur);
            }
            match (lo, hi) {
                (Some(a), Some(b)) => {
                    let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
                    cur.push((first.0 as f64, first.1));
                    if second.0 != first.0 {
                        cur.push((second.0 as f64, second.1));
                    }
                }
                _ => flush(&mut cur),
            }
        }
    }
    flush(&mut cur);
    segs
}

/// Stems `(x, low, high, marker_y)` of the non-zero finite values; when longer
/// than `2 * buckets`, one stem per bucket spanning its values and marked at
/// its value of largest magnitude.
fn decimated_stems(ys: &[f64], buckets: usize) -> Vec<(f64, f64, f64, f64)> {
    let n = ys.len();
    let b = buckets.max(1);
    if n <= 2 * b {
        return ys
            .iter()
            .enumerate()
            .filter(|(_, y)| y.is_finite() && **y != 0.0)
            .map(|(i, &y)| (i as f64, y.min(0.0), y.max(0.0), y))
            .collect();
    }
    let mut out = Vec::new();
    for k in 0..b {
        let (s, e) = (k * n / b, (k + 1) * n / b);
        let mut best: Option<(usize, f64)> = None;
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for (i, &y) in ys[s..e].iter().enumerate() {
            if !y.is_finite() || y == 0.0 {
                continue;
            }
            lo = lo.min(y);
            hi = hi.max(y);
            if best.is_none_or(|(_, v)| y.abs() > v.abs()) {
                best = Some((s + i, y));
            }
        }
        if let Some((i, y)) = best {
            out.push((i as f64, lo, hi, y));
        }
    }
    out
}

/// Tick label on an axis spanning `span`: values within rounding error of
/// zero print as 0, integers without a decimal point, other values with at
/// most six decimals (trailing zeros dropped), very large or small ones in
/// scientific notation.
fn tick(v: f64, span: f64) -> String {
    let a = v.abs();
    if a <= 1e-9 * span || !v.is_finite() {
        "0".to_string()
    } else if !(1e-4..1e7).contains(&a) {
        format!("{v:.1e}")
    } else if (v - v.round()).abs() <= 1e-9 * a.max(1.0) {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Stroke width of a polyline of `points` points. plotters fills lines wider
/// than one pixel as polygons, and on bitmaps long zig-zagging polylines then
/// leave spurious streaks across the figure; dense lines are drawn one pixel
/// wide there (the SVG keeps two pixels, its renderer joins lines properly).
fn line_width(vector: bool, points: usize) -> u32 {
    if vector || points <= 300 { 2 } else { 1 }
}

fn color(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

fn legend_line(c: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
}

struct Signals<'a> {
    title: &'a str,
    series: &'a [(&'a str, &'a [f64])],
    stems: bool,
}

impl Figure for Signals<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, vector: bool) -> Result<(), String> {
        let n_max = self.series.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
        let xr = padded((n_max > 0).then(|| (0.0, (n_max - 1) as f64)));
        let yvals = self.series.iter().flat_map(|(_, s)| s.iter().copied());
        let yr = if self.stems {
            // Stems start at zero, which must be in view.
            padded(finite_range(yvals.chain([0.0])))
        } else {
            padded(finite_range(yvals))
        };
        let title = if finite_range(self.series.iter().flat_map(|(_, s)| s.iter().copied())).is_none() {
            format!("{} (no finite data)", self.title)
        } else {
            self.title.to_string()
        };
        let buckets = root.dim_in_pixel().0 as usize;
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 22))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(xr.clone(), yr.clone())
            .map_err(de)?;
        chart
            .configure_mesh()
            .x_desc("index")
            .y_desc("value")
            .x_label_formatter(&|v| tick(*v, xr.end - xr.start))
            .y_label_formatter(&|v| tick(*v, yr.end - yr.start))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 16))
            .max_light_lines(4)
            .draw()
            .map_err(de)?;
        if self.stems {
            chart
                .draw_series(LineSeries::new(
                    [(xr.start, 0.0), (xr.end, 0.0)],
                    BLACK.mix(0.4).stroke_width(1),
                ))
                .map_err(de)?;
        }
        for (k, (label, ys)) in self.series.iter().enumerate() {
            let c = color(k);
            if self.stems {
                let stems = decimated_stems(ys, buckets);
                let line = c.mix(0.75).stroke_width(if k == 0 { 2 } else { 1 });
                chart
                    .draw_series(
                        stems
                            .iter()
                            .map(|&(x, lo, hi, _)| PathElement::new(vec![(x, lo), (x, hi)], line)),
                    )
                    .map_err(de)?;
                // Filled dots for even series, rings for odd ones: a recovered
                // spike drawn over the true one stays visible.
                let filled = k % 2 == 0;
                let radius = if filled { 3 } else { 5 };
                let style = if filled { c.filled() } else { c.stroke_width(2) };
                chart
                    .draw_series(
                        stems
                            .iter()
                            .map(|&(x, _, _, y)| Circle::new((x, y), radius, style)),
                    )
                    .map_err(de)?
                    .label(*label)
                    .legend(move |(x, y)| Circle::new((x + 12, y), radius, style));
            } else {
                for seg in decimated_segments(ys, buckets) {
                    let style = c.stroke_width(line_width(vector, seg.len()));
                    chart.draw_series(LineSeries::new(seg, style)).map_err(de)?;
                }
                chart
                    .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                    .map_err(de)?
                    .label(*label)
                    .legend(legend_line(c));
            }
        }
        if !self.series.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.5))
                .label_font((FONT, 15))
                .draw()
                .map_err(de)?;
        }
        Ok(())
    }
}

/// Overlaid line plots of 1-D series against their index, e.g. data vs
/// reconstruction, or true vs recovered kernel. Writes `<stem>.png` and
/// `<stem>.svg` of size [`SIGNAL_SIZE`], with a legend of the labels.
pub fn plot_signals(stem: &Path, title: &str, series: &[(&str, &[f64])]) -> Result<(), PlotError> {
    render(
        stem,
        SIGNAL_SIZE,
        &Signals {
            title,
            series,
            stems: false,
        },
    )
}

/// Stem plots of sparse 1-D series (spike trains, activations), overlaid in
/// different colours: exact zeros are not drawn; the first series has filled
/// dots, the second rings, so true and recovered spikes can be told apart.
/// Writes `<stem>.png` and `<stem>.svg` of size [`SIGNAL_SIZE`].
pub fn plot_stems(stem: &Path, title: &str, series: &[(&str, &[f64])]) -> Result<(), PlotError> {
    render(
        stem,
        SIGNAL_SIZE,
        &Signals {
            title,
            series,
            stems: true,
        },
    )
}

struct Convergence<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [(&'a str, &'a [(f64, f64)])],
    log_y: bool,
}

impl Convergence<'_> {
    fn usable(&self, p: &(f64, f64)) -> bool {
        p.0.is_finite() && p.1.is_finite() && (!self.log_y || p.1 > 0.0)
    }

    fn draw_in<DB: DrawingBackend, Y>(
        &self,
        root: &DrawingArea<DB, Shift>,
        xr: Range<f64>,
        yr: Y,
        y_tick: &dyn Fn(f64) -> String,
        note: &str,
        vector: bool,
    ) -> Result<(), String>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{}{note}", self.title), (FONT, 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(xr.clone(), yr)
            .map_err(de)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&|v| tick(*v, xr.end - xr.start))
            .y_label_formatter(&|v| y_tick(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 16))
            .max_light_lines(4)
            .draw()
            .map_err(de)?;
        for (k, (label, pts)) in self.series.iter().enumerate() {
            let c = color(k);
            // Break the curve where a point is unusable (NaN, or <= 0 on log-y).
            let mut seg = Vec::new();
            let mut segs = Vec::new();
            for p in pts.iter() {
                if self.usable(p) {
                    seg.push(*p);
                } else if !seg.is_empty() {
                    segs.push(std::mem::take(&mut seg));
                }
            }
            if !seg.is_empty() {
                segs.push(seg);
            }
            let few = pts.len() <= 60;
            for s in &segs {
                let style = c.stroke_width(line_width(vector, s.len()));
                chart
                    .draw_series(LineSeries::new(s.iter().copied(), style))
                    .map_err(de)?;
                if few {
                    chart
                        .draw_series(s.iter().map(|&p| Circle::new(p, 3, c.filled())))
                        .map_err(de)?;
                }
            }
            chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                .map_err(de)?
                .label(*label)
                .legend(legend_line(c));
        }
        if !self.series.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.5))
                .label_font((FONT, 15))
                .draw()
                .map_err(de)?;
        }
        Ok(())
    }
}

impl Figure for Convergence<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, vector: bool) -> Result<(), String> {
        let pts = || {
            self.series
                .iter()
                .flat_map(|(_, p)| p.iter())
                .filter(|p| self.usable(p))
        };
        let xr = padded(finite_range(pts().map(|p| p.0)));
        let yrange = finite_range(pts().map(|p| p.1));
        let note = if yrange.is_none() {
            if self.log_y {
                " (no positive finite data)"
            } else {
                " (no finite data)"
            }
        } else {
            ""
        };
        if self.log_y {
            // One significant digit: plotters' own labels of a log axis
            // print rounding noise ("9.99999999e-5").
            let decade = |v: f64| format!("{v:.0e}");
            self.draw_in(root, xr, padded_log(yrange).log_scale(), &decade, note, vector)
        } else {
            let yr = padded(yrange);
            let span = yr.end - yr.start;
            self.draw_in(root, xr, yr, &|v| tick(v, span), note, vector)
        }
    }
}

/// Several curves `(x, y)` on common axes, e.g. kernel error against FFT
/// count or objective against time; `log_y` uses a logarithmic y axis, on
/// which non-positive values are skipped (the curve breaks there). Curves of
/// at most 60 points also get dot markers. Writes `<stem>.png` and
/// `<stem>.svg` of size [`CONVERGENCE_SIZE`].
pub fn plot_convergence(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(&str, &[(f64, f64)])],
    log_y: bool,
) -> Result<(), PlotError> {
    render(
        stem,
        CONVERGENCE_SIZE,
        &Convergence {
            title,
            x_label,
            y_label,
            series,
            log_y,
        },
    )
}

struct Heatmap<'a> {
    title: &'a str,
    data: &'a [f64],
    rows: usize,
    cols: usize,
    opts: &'a HeatmapOptions,
}

/// Block-averages a `rows x cols` grid (non-finite values ignored; a block
/// with none finite is NaN) down to at most `max_r x max_c` cells.
fn downsample(
    data: &[f64],
    rows: usize,
    cols: usize,
    max_r: usize,
    max_c: usize,
) -> (Vec<f64>, usize, usize) {
    let (r2, c2) = (rows.min(max_r.max(1)), cols.min(max_c.max(1)));
    if (r2, c2) == (rows, cols) {
        return (data.to_vec(), rows, cols);
    }
    let mut sum = vec![0.0; r2 * c2];
    let mut cnt = vec![0u32; r2 * c2];
    for r in 0..rows {
        let rr = r * r2 / rows;
        for c in 0..cols {
            let v = data[r * cols + c];
            if v.is_finite() {
                let k = rr * c2 + c * c2 / cols;
                sum[k] += v;
                cnt[k] += 1;
            }
        }
    }
    let out = sum
        .iter()
        .zip(&cnt)
        .map(|(&s, &n)| if n > 0 { s / f64::from(n) } else { f64::NAN })
        .collect();
    (out, r2, c2)
}

impl Heatmap<'_> {
    fn cmap(&self, v: f64, lo: f64, hi: f64) -> RGBColor {
        if !v.is_finite() {
            return RGBColor(255, 0, 255);
        }
        let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
        match self.opts.colormap {
            Colormap::Viridis => ViridisRGB::get_color_normalized(t, 0.0, 1.0),
            Colormap::Gray => {
                let g = (t * 255.0).round() as u8;
                RGBColor(g, g, g)
            }
        }
    }
}

impl Figure for Heatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, vector: bool) -> Result<(), String> {
        let (rows, cols) = (self.rows, self.cols);
        let valid = rows > 0 && cols > 0 && rows.checked_mul(cols) == Some(self.data.len());
        let vrange = if valid {
            finite_range(self.data.iter().copied())
        } else {
            None
        };
        let note = if !valid {
            format!(" (invalid grid: {} values for {rows}x{cols})", self.data.len())
        } else if vrange.is_none() {
            " (no finite data)".to_string()
        } else {
            String::new()
        };
        let (vlo, vhi) = match vrange {
            Some((a, b)) if b > a => (a, b),
            Some((a, _)) => {
                let r = padded(Some((a, a)));
                (r.start, r.end)
            }
            None => (0.0, 1.0),
        };
        let [x0, x1, y0, y1] = self
            .opts
            .extent
            .filter(|e| e.iter().all(|v| v.is_finite()) && e[1] > e[0] && e[3] > e[2])
            .unwrap_or([0.0, cols.max(1) as f64, 0.0, rows.max(1) as f64]);

        let titled = root
            .titled(&format!("{}{note}", self.title), (FONT, 22))
            .map_err(de)?;
        let (w, h) = titled.dim_in_pixel();
        let bar_w = 130u32.min(w / 3);
        let (main, bar) = titled.split_horizontally(w - bar_w);

        // Keep cells square: fit a plot area of the grid's aspect ratio.
        let (left, bottom, pad) = (72u32, 50u32, 10u32);
        let avail_w = w.saturating_sub(bar_w + left + 2 * pad).max(40) as f64;
        let avail_h = h.saturating_sub(bottom + 2 * pad).max(40) as f64;
        let aspect = ((x1 - x0) / (y1 - y0)).clamp(0.2, 5.0);
        let aspect = if self.opts.extent.is_some() {
            aspect
        } else {
            (cols.max(1) as f64 / rows.max(1) as f64).clamp(0.2, 5.0)
        };
        let (pw, ph) = if avail_w / avail_h > aspect {
            (avail_h * aspect, avail_h)
        } else {
            (avail_w, avail_w / aspect)
        };
        let mx = ((avail_w - pw) / 2.0).max(0.0) as u32;
        let my = ((avail_h - ph) / 2.0).max(0.0) as u32;

        let mut chart = ChartBuilder::on(&main)
            .margin_left(pad + mx)
            .margin_right(pad + mx)
            .margin_top(pad + my)
            .margin_bottom(pad + my)
            .x_label_area_size(bottom)
            .y_label_area_size(left)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(de)?;
        let row0_top = self.opts.row0_at_top;
        let flip = move |y: &f64| {
            // Image convention: the axis counts rows downward from the top.
            let v = if row0_top { y0 + y1 - *y } else { *y };
            tick(v, y1 - y0)
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.opts.x_label.as_str())
            .y_desc(self.opts.y_label.as_str())
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 16))
            .y_label_formatter(&flip)
            .x_label_formatter(&|v| tick(*v, x1 - x0))
            .draw()
            .map_err(de)?;

        if valid {
            let (max_r, max_c) = if vector {
                (SVG_MAX_CELLS, SVG_MAX_CELLS)
            } else {
                (ph.ceil() as usize, pw.ceil() as usize)
            };
            let (grid, r2, c2) = downsample(self.data, rows, cols, max_r, max_c);
            let (dx, dy) = ((x1 - x0) / c2 as f64, (y1 - y0) / r2 as f64);
            chart
                .draw_series((0..r2).flat_map(|r| {
                    let grid = &grid;
                    (0..c2).map(move |c| {
                        let yr = if row0_top { r2 - 1 - r } else { r };
                        let (xa, ya) = (x0 + c as f64 * dx, y0 + yr as f64 * dy);
                        Rectangle::new(
                            [(xa, ya), (xa + dx, ya + dy)],
                            self.cmap(grid[r * c2 + c], vlo, vhi).filled(),
                        )
                    })
                }))
                .map_err(de)?;
        }
        let marks: Vec<(f64, f64)> = self
            .opts
            .marks
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        chart
            .draw_series(marks.iter().map(|&p| Cross::new(p, 7, WHITE.stroke_width(3))))
            .map_err(de)?;
        chart
            .draw_series(marks.iter().map(|&p| Cross::new(p, 6, BLACK.stroke_width(1))))
            .map_err(de)?;

        // Colour bar: a column of bands from the lowest to the highest value.
        let mut cb = ChartBuilder::on(&bar)
            .margin_top(pad + my)
            .margin_bottom(pad + my + bottom)
            .margin_left(6)
            .margin_right(14)
            .right_y_label_area_size(78)
            .build_cartesian_2d(0.0..1.0, vlo..vhi)
            .map_err(de)?;
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc(self.opts.value_label.as_str())
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .y_labels(6)
            .y_label_formatter(&|v| tick(*v, vhi - vlo))
            .draw()
            .map_err(de)?;
        let bands = if vector { 64 } else { 256 };
        let step = (vhi - vlo) / bands as f64;
        cb.draw_series((0..bands).map(|i| {
            let a = vlo + i as f64 * step;
            let mid = a + 0.5 * step;
            Rectangle::new([(0.0, a), (1.0, a + step)], self.cmap(mid, vlo, vhi).filled())
        }))
        .map_err(de)?;
        cb.draw_series(std::iter::once(Rectangle::new(
            [(0.0, vlo), (1.0, vhi)],
            BLACK.stroke_width(1),
        )))
        .map_err(de)?;
        Ok(())
    }
}

/// Heat map of a row-major `rows x cols` grid with [`HeatmapOptions`]
/// (colour map, axis labels, parameter extent, orientation, marked points)
/// and a colour bar. Cells are kept square when `extent` is `None`; in the
/// PNG, grids larger than the plot area and in the SVG grids over 128 cells
/// per side are block-averaged; non-finite cells are magenta. Writes
/// `<stem>.png` and `<stem>.svg` of size [`IMAGE_SIZE`].
pub fn plot_heatmap(
    stem: &Path,
    title: &str,
    data: &[f64],
    rows: usize,
    cols: usize,
    opts: &HeatmapOptions,
) -> Result<(), PlotError> {
    render(
        stem,
        IMAGE_SIZE,
        &Heatmap {
            title,
            data,
            rows,
            cols,
            opts,
        },
    )
}

/// Heat map (viridis, row 0 at the top, pixel-index axes) of a row-major
/// `rows x cols` image or 2-D kernel, with a colour bar; see [`plot_heatmap`]
/// for landscapes over a parameter grid. A `data` length other than
/// `rows * cols` draws empty axes with a note in the title rather than failing.
pub fn plot_image(stem: &Path, title: &str, data: &[f64], rows: usize, cols: usize) -> Result<(), PlotError> {
    plot_heatmap(stem, title, data, rows, cols, &HeatmapOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_outputs(stem: &Path, size: (u32, u32), title: &str) {
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
    fn title_glyphs_drawn(stem: &Path) -> bool {
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

    #[test]
    fn signals_png_and_svg() {
        let d = tempfile::tempdir().unwrap();
        let stem = d.path().join("signal");
        let y: Vec<f64> = (0..500).map(|i| (i as f64 * 0.05).sin()).collect();
        let r: Vec<f64> = y.iter().map(|v| 0.9 * v).collect();
        plot_signals(
            &stem,
            "Data and reconstruction",
            &[("data", &y), ("reconstruction", &r)],
        )
        .unwrap();
        check_outputs(&stem, SIGNAL_SIZE, "Data and reconstruction");
        assert!(title_glyphs_drawn(&stem));
        let svg = std::fs::read_to_string(with_suffix(&stem, "svg")).unwrap();
        assert!(svg.contains("reconstruction") && svg.contains("index"));
    }

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

    #[test]
    fn stems_png_and_svg() {
        let d = tempfile::tempdir().unwrap();
        let stem = d.path().join("activation");
        let mut x = vec![0.0; 300];
        let mut xh = vec![0.0; 300];
        for (k, i) in [10usize, 50, 120, 200, 280].into_iter().enumerate() {
            x[i] = 1.0 + k as f64 * 0.2;
            xh[i] = 0.9 + k as f64 * 0.2;
        }
        x[150] = -0.8;
        plot_stems(
            &stem,
            "Activation true vs recovered",
            &[("true", &x), ("recovered", &xh)],
        )
        .unwrap();
        check_outputs(&stem, SIGNAL_SIZE, "Activation true vs recovered");
    }

    #[test]
    fn convergence_png_and_svg() {
        let d = tempfile::tempdir().unwrap();
        let stem = d.path().join("convergence");
        let a: Vec<(f64, f64)> = (0..200)
            .map(|i| (i as f64 * 10.0, (-0.05 * i as f64).exp()))
            .collect();
        let b: Vec<(f64, f64)> = (0..30)
            .map(|i| (i as f64 * 50.0, 0.5 * (-0.3 * i as f64).exp()))
            .collect();
        plot_convergence(
            &stem,
            "Kernel error vs FFT count",
            "FFTs",
            "kernel error",
            &[("iADM", &a), ("trust region", &b)],
            true,
        )
        .unwrap();
        check_outputs(&stem, CONVERGENCE_SIZE, "Kernel error vs FFT count");
        plot_convergence(
            &stem,
            "Objective",
            "time (s)",
            "objective",
            &[("iADM", &a)],
            false,
        )
        .unwrap();
        check_outputs(&stem, CONVERGENCE_SIZE, "Objective");
    }

    #[test]
    fn image_png_and_svg() {
        let d = tempfile::tempdir().unwrap();
        let stem = d.path().join("kernel2d");
        let (r, c) = (24, 40);
        let data: Vec<f64> = (0..r * c)
            .map(|k| {
                let (i, j) = ((k / c) as f64 - 8.0, (k % c) as f64 - 20.0);
                (-(i * i + j * j) / 30.0).exp()
            })
            .collect();
        plot_image(&stem, "Recovered 2-D kernel", &data, r, c).unwrap();
        check_outputs(&stem, IMAGE_SIZE, "Recovered 2-D kernel");

        // A landscape over a parameter grid, with marks, and a big image
        // that must be block-averaged in the SVG.
        let n = 300;
        let land: Vec<f64> = (0..n * n)
            .map(|k| ((k / n) as f64 * 0.05).sin() * ((k % n) as f64 * 0.03).cos())
            .collect();
        let opts = HeatmapOptions {
            colormap: Colormap::Gray,
            x_label: "alpha".into(),
            y_label: "beta".into(),
            value_label: "objective".into(),
            extent: Some([-1.0, 1.0, -1.0, 1.0]),
            row0_at_top: false,
            marks: vec![(0.0, 0.0), (0.5, -0.5)],
        };
        let stem = d.path().join("landscape");
        plot_heatmap(&stem, "Landscape", &land, n, n, &opts).unwrap();
        check_outputs(&stem, IMAGE_SIZE, "Landscape");
    }

    #[test]
    fn tick_labels() {
        assert_eq!(tick(-1.1e-16, 1.0), "0");
        assert_eq!(tick(20000.0, 1e5), "20000");
        assert_eq!(tick(0.30000000000000004, 1.0), "0.3");
        assert_eq!(tick(2.5e-5, 1e-4), "2.5e-5");
        assert_eq!(tick(3e7, 1e8), "3.0e7");
    }

    #[test]
    fn long_signals_are_decimated() {
        let m = 100_000;
        let y: Vec<f64> = (0..m).map(|i| ((i * 7919) % 1000) as f64 / 1000.0).collect();
        let segs = decimated_segments(&y, 1000);
        let pts: usize = segs.iter().map(Vec::len).sum();
        assert!(pts <= 2000, "{pts}");
        // Extremes survive decimation.
        let (lo, hi) = finite_range(segs.iter().flatten().map(|p| p.1)).unwrap();
        assert_eq!((lo, hi), (0.0, 0.999));
        // x stays increasing.
        assert!(segs[0].windows(2).all(|w| w[0].0 < w[1].0));
        let mut x = vec![0.0; m];
        x[12_345] = -2.0;
        x[99_999] = 3.0;
        let stems = decimated_stems(&x, 1000);
        assert_eq!(stems.len(), 2);
        assert_eq!(stems[0].3, -2.0);

        let d = tempfile::tempdir().unwrap();
        let stem = d.path().join("long");
        plot_signals(&stem, "Long", &[("data", &y)]).unwrap();
        plot_stems(&stem, "Long", &[("x", &x)]).unwrap();
        // Not a timing test; guards against drawing 1e5 elements.
        let svg = std::fs::read_to_string(with_suffix(&stem, "svg")).unwrap();
        assert!(svg.len() < 200_000, "{}", svg.len());
    }
}
