//! Shared looks of the figures: colours, axis ranges, tick labels, line
//! widths and the legend box.

use std::ops::Range;

use plotters::coord::CoordTranslate;
use plotters::prelude::*;

use super::{FONT, de};

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

/// `[lo, hi]` of the finite values, or `None`.
pub(super) fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
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
pub(super) fn padded(range: Option<(f64, f64)>) -> Range<f64> {
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
pub(super) fn padded_log(range: Option<(f64, f64)>) -> Range<f64> {
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

/// Tick label on an axis spanning `span`: values within rounding error of
/// zero print as 0, integers without a decimal point, other values with at
/// most six decimals (trailing zeros dropped), very large or small ones in
/// scientific notation.
pub(super) fn tick(v: f64, span: f64) -> String {
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
pub(super) fn line_width(vector: bool, points: usize) -> u32 {
    if vector || points <= 300 { 2 } else { 1 }
}

/// The `k`-th series colour (the palette repeats after ten).
pub(super) fn color(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// Adds `label` to the legend with a line swatch of colour `c`: the entry
/// of series drawn in several pieces (a polyline broken at gaps).
pub(super) fn line_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    label: &str,
    c: RGBColor,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    chart
        .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
        .map_err(de)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    Ok(())
}

/// The legend box of labelled series, in the upper right corner, half
/// transparent so data under it stays visible.
pub(super) fn draw_legend<'a, DB, CT>(chart: &mut ChartContext<'a, DB, CT>) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .label_font((FONT, 15))
        .draw()
        .map_err(de)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels() {
        assert_eq!(tick(-1.1e-16, 1.0), "0");
        assert_eq!(tick(20000.0, 1e5), "20000");
        assert_eq!(tick(0.30000000000000004, 1.0), "0.3");
        assert_eq!(tick(2.5e-5, 1e-4), "2.5e-5");
        assert_eq!(tick(3e7, 1e8), "3.0e7");
    }
}
