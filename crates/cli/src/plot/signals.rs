//! Line and stem plots of 1-D series against their index.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::decimate::{decimated_segments, decimated_stems};
use super::style::{color, draw_legend, finite_range, line_legend, line_width, padded, tick};
use super::{FONT, Figure, PlotError, SIGNAL_SIZE, de, render};

/// The figure of [`plot_signals`] (`stems: false`) and [`plot_stems`].
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
        // Headroom above the data for the legend in the upper right corner,
        // so that it does not cover the curves.
        let yr = if self.series.is_empty() {
            yr
        } else {
            let rows = self.series.len() as f64;
            yr.start..yr.end + (0.12 + 0.08 * rows) * (yr.end - yr.start)
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
                // A truth is drawn wide and pale, under what follows, so a
                // recovered curve on top of it leaves it visible at the sides.
                let truth = label.starts_with("true");
                for seg in decimated_segments(ys, buckets) {
                    let style = if truth {
                        c.mix(0.45).stroke_width(6)
                    } else {
                        c.stroke_width(line_width(vector, seg.len()))
                    };
                    chart.draw_series(LineSeries::new(seg, style)).map_err(de)?;
                }
                line_legend(&mut chart, label, c)?;
            }
        }
        if !self.series.is_empty() {
            draw_legend(&mut chart)?;
        }
        Ok(())
    }
}

/// One panel of [`plot_signal_panels`]: a title and its labelled series.
pub type Panel<'a> = (&'a str, Vec<(&'a str, &'a [f64])>);

/// Panels of [`plot_signals`] one above the other (a batch's columns).
struct Panels<'a> {
    panels: &'a [Panel<'a>],
}

impl Figure for Panels<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, vector: bool) -> Result<(), String> {
        let areas = root.split_evenly((self.panels.len().max(1), 1));
        for (area, (title, series)) in areas.iter().zip(self.panels) {
            Signals {
                title,
                series,
                stems: false,
            }
            .draw(area, vector)?;
        }
        Ok(())
    }
}

/// Line plots of several panels stacked vertically, each with its title and
/// series (as [`plot_signals`]). Writes `<stem>.png` and `<stem>.svg`, each
/// panel of [`SIGNAL_SIZE`].
pub fn plot_signal_panels(stem: &Path, panels: &[Panel<'_>]) -> Result<(), PlotError> {
    let (w, h) = SIGNAL_SIZE;
    let size = (w, h * panels.len().max(1) as u32);
    render(stem, size, &Panels { panels })
}

/// Overlaid line plots of 1-D series against their index, e.g. data vs
/// reconstruction, or true vs recovered kernel. Writes `<stem>.png` and
/// `<stem>.svg` of size [`SIGNAL_SIZE`], with a legend of the labels. A
/// series whose label starts with "true" is drawn wide and pale, so that a
/// recovered curve drawn after it does not hide it.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::{check_outputs, title_glyphs_drawn};
    use crate::plot::with_suffix;

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
    fn long_signals_draw_few_elements() {
        let m = 100_000;
        let y: Vec<f64> = (0..m).map(|i| ((i * 7919) % 1000) as f64 / 1000.0).collect();
        let mut x = vec![0.0; m];
        x[12_345] = -2.0;
        x[99_999] = 3.0;
        let d = tempfile::tempdir().unwrap();
        let stem = d.path().join("long");
        plot_signals(&stem, "Long", &[("data", &y)]).unwrap();
        plot_stems(&stem, "Long", &[("x", &x)]).unwrap();
        // Not a timing test; guards against drawing 1e5 elements.
        let svg = std::fs::read_to_string(with_suffix(&stem, "svg")).unwrap();
        assert!(svg.len() < 200_000, "{}", svg.len());
    }
}
