//! Convergence curves: several `(x, y)` series on common axes, optionally
//! with a logarithmic y axis.

use std::ops::Range;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use super::decimate::finite_runs;
use super::style::{color, draw_legend, finite_range, line_legend, line_width, padded, padded_log, tick};
use super::{CONVERGENCE_SIZE, FONT, Figure, PlotError, de, render};

/// The figure of [`plot_convergence`].
struct Convergence<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [(&'a str, &'a [(f64, f64)])],
    log_y: bool,
}

impl Convergence<'_> {
    /// Finite, and positive on a logarithmic y axis.
    fn usable(&self, p: &(f64, f64)) -> bool {
        p.0.is_finite() && p.1.is_finite() && (!self.log_y || p.1 > 0.0)
    }

    /// Draws the curves on a chart whose y coordinate is `yr` (linear or
    /// logarithmic), with `y_tick` labels and `note` after the title.
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
            let segs = finite_runs(pts.iter().map(|p| self.usable(p).then_some(*p)));
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
            line_legend(&mut chart, label, c)?;
        }
        if !self.series.is_empty() {
            draw_legend(&mut chart)?;
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
            // Headroom above the curves for the legend (upper right).
            let r = padded_log(yrange);
            let r = r.start..r.end * (r.end / r.start).powf(0.1 + 0.06 * self.series.len() as f64);
            self.draw_in(root, xr, r.log_scale(), &decade, note, vector)
        } else {
            let yr = padded(yrange);
            let yr = yr.start..yr.end + (0.1 + 0.06 * self.series.len() as f64) * (yr.end - yr.start);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::check_outputs;

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
}
