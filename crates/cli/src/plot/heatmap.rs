//! Heat maps of 2-D grids (images, 2-D kernels, objective landscapes) with a
//! colour bar.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use super::style::{finite_range, padded, tick};
use super::{FONT, Figure, IMAGE_SIZE, PlotError, de, render};

/// Largest number of heat-map cells per axis written into an SVG (larger
/// images are block-averaged), to keep vector files small.
const SVG_MAX_CELLS: usize = 128;

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

/// The figure of [`plot_heatmap`].
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
    /// Colour of value `v` on the scale `[lo, hi]`; magenta when not finite.
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
    use crate::plot::test_util::check_outputs;

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
}
