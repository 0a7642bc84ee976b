//! Plain SVG figures for the studies (heatmap panels and log-scale curves),
//! written as text: no font files or rasteriser needed, so a figure renders
//! the same wherever it is opened.
#![allow(dead_code)]

use std::fmt::Write;
use std::path::Path;

/// One heatmap panel: `values[row][col]` in [0, 1] (row 0 drawn at the
/// bottom), with labelled axes.
pub struct Heatmap<'a> {
    /// Panel title.
    pub title: &'a str,
    /// Labels of the columns (x axis).
    pub cols: Vec<String>,
    /// Labels of the rows (y axis).
    pub rows: Vec<String>,
    /// The values, `rows.len()` × `cols.len()`.
    pub values: Vec<Vec<f64>>,
    /// Axis names (x, y).
    pub axes: (&'a str, &'a str),
}

/// One curve of a line chart.
pub struct Curve {
    /// Legend label.
    pub label: String,
    /// Points (x, y); non-positive or non-finite y are skipped (log axis).
    pub points: Vec<(f64, f64)>,
}

const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Gray level of a value in [0, 1]: black = 0 (failure), white = 1 (success), as LQK+20 Fig. 10.
fn gray(v: f64) -> String {
    let g = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("rgb({g},{g},{g})")
}

/// Heatmap panels side by side, one file.
pub fn heatmaps(path: &Path, panels: &[Heatmap]) -> std::io::Result<()> {
    let (pw, ph, margin) = (300.0, 300.0, 60.0);
    let width = panels.len() as f64 * (pw + 1.5 * margin) + margin;
    let height = ph + 2.5 * margin;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>"#
    );
    for (k, p) in panels.iter().enumerate() {
        let x0 = margin + k as f64 * (pw + 1.5 * margin);
        let y0 = 1.2 * margin;
        let (nc, nr) = (p.cols.len().max(1) as f64, p.rows.len().max(1) as f64);
        let (cw, rh) = (pw / nc, ph / nr);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" font-size="13">{}</text>"#,
            x0 + pw / 2.0,
            y0 - 10.0,
            esc(p.title)
        );
        for (r, row) in p.values.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (x, y) = (x0 + c as f64 * cw, y0 + ph - (r as f64 + 1.0) * rh);
                let _ = writeln!(
                    s,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{v:.2}</title></rect>"#,
                    cw + 0.3,
                    rh + 0.3,
                    gray(*v)
                );
            }
        }
        let _ = writeln!(
            s,
            r#"<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="black"/>"#
        );
        for (c, label) in p.cols.iter().enumerate() {
            let x = x0 + (c as f64 + 0.5) * cw;
            let _ = writeln!(
                s,
                r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
                y0 + ph + 14.0,
                esc(label)
            );
        }
        for (r, label) in p.rows.iter().enumerate() {
            let y = y0 + ph - (r as f64 + 0.5) * rh + 4.0;
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{y:.1}" text-anchor="end">{}</text>"#,
                x0 - 4.0,
                esc(label)
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            x0 + pw / 2.0,
            y0 + ph + 32.0,
            esc(p.axes.0)
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" transform="rotate(-90 {} {})">{}</text>"#,
            x0 - 40.0,
            y0 + ph / 2.0,
            x0 - 40.0,
            y0 + ph / 2.0,
            esc(p.axes.1)
        );
    }
    s.push_str("</svg>\n");
    write(path, &s)
}

/// A line chart with a log-10 y axis (linear x), legend inside.
pub fn log_curves(path: &Path, title: &str, axes: (&str, &str), curves: &[Curve]) -> std::io::Result<()> {
    let (w, h, l, r, t, b) = (720.0, 440.0, 70.0, 20.0, 40.0, 50.0);
    let pts = curves
        .iter()
        .flat_map(|c| c.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite() && *y > 0.0);
    let (mut xmin, mut xmax, mut ymin, mut ymax) =
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in pts {
        xmin = xmin.min(x);
        xmax = xmax.max(x);
        ymin = ymin.min(y.log10());
        ymax = ymax.max(y.log10());
    }
    if !xmin.is_finite() {
        (xmin, xmax, ymin, ymax) = (0.0, 1.0, -1.0, 0.0);
    }
    if xmax <= xmin {
        xmax = xmin + 1.0;
    }
    let (ymin, ymax) = (ymin.floor(), ymax.ceil().max(ymin.floor() + 1.0));
    let px = |x: f64| l + (x - xmin) / (xmax - xmin) * (w - l - r);
    let py = |y: f64| t + (ymax - y.log10()) / (ymax - ymin) * (h - t - b);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="13">{}</text>"#,
        w / 2.0,
        esc(title)
    );
    let _ = writeln!(
        s,
        r#"<rect x="{l}" y="{t}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        w - l - r,
        h - t - b
    );
    let mut e = ymin as i32;
    while e as f64 <= ymax {
        let y = py(10f64.powi(e));
        let _ = writeln!(
            s,
            r##"<line x1="{l}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">1e{e}</text>"##,
            w - r,
            l - 4.0,
            y + 4.0
        );
        e += 1;
    }
    for k in 0..=4 {
        let x = xmin + (xmax - xmin) * k as f64 / 4.0;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            px(x),
            h - b + 15.0,
            fmt_tick(x)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        (l + w - r) / 2.0,
        h - 12.0,
        esc(axes.0)
    );
    let _ = writeln!(
        s,
        r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">{}</text>"#,
        (t + h - b) / 2.0,
        (t + h - b) / 2.0,
        esc(axes.1)
    );
    for (k, c) in curves.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let path: Vec<String> = c
            .points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite() && *y > 0.0)
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{}"/>"#,
            path.join(" ")
        );
        let ly = t + 14.0 + 15.0 * k as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{}" x2="{}" y1="{ly}" y2="{ly}" stroke="{color}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
            w - r - 170.0,
            w - r - 150.0,
            w - r - 145.0,
            ly + 4.0,
            esc(&c.label)
        );
    }
    s.push_str("</svg>\n");
    write(path, &s)
}

fn fmt_tick(x: f64) -> String {
    if x.abs() >= 1e4 {
        format!("{x:.1e}")
    } else {
        format!("{x:.0}")
    }
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("svg.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Success rates in [0, 1] (linear y) against a positive x on a log-2 axis.
pub fn rate_curves(path: &Path, title: &str, axes: (&str, &str), curves: &[Curve]) -> std::io::Result<()> {
    let (w, h, l, r, t, b) = (720.0, 440.0, 70.0, 20.0, 40.0, 50.0);
    let xs: Vec<f64> = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .filter(|x| *x > 0.0)
        .collect();
    let xmin = xs.iter().copied().fold(f64::INFINITY, f64::min).log2();
    let xmax = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max).log2();
    let (xmin, xmax) = if xmin.is_finite() && xmax > xmin {
        (xmin, xmax)
    } else {
        (0.0, 1.0)
    };
    let px = |x: f64| l + (x.log2() - xmin) / (xmax - xmin) * (w - l - r);
    let py = |y: f64| t + (1.0 - y.clamp(0.0, 1.0)) * (h - t - b);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="13">{}</text>"#,
        w / 2.0,
        esc(title)
    );
    let _ = writeln!(
        s,
        r#"<rect x="{l}" y="{t}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        w - l - r,
        h - t - b
    );
    for k in 0..=4 {
        let y = k as f64 / 4.0;
        let _ = writeln!(
            s,
            r##"<line x1="{l}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{y:.2}</text>"##,
            w - r,
            py(y),
            py(y),
            l - 4.0,
            py(y) + 4.0
        );
    }
    let mut ticks: Vec<f64> = xs.clone();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    for x in ticks {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            px(x),
            h - b + 15.0,
            fmt_tick(x)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        (l + w - r) / 2.0,
        h - 12.0,
        esc(axes.0)
    );
    let _ = writeln!(
        s,
        r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">{}</text>"#,
        (t + h - b) / 2.0,
        (t + h - b) / 2.0,
        esc(axes.1)
    );
    for (k, c) in curves.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let pts: Vec<String> = c
            .points
            .iter()
            .filter(|(x, y)| *x > 0.0 && y.is_finite())
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let dash = if k % 2 == 1 {
            r#" stroke-dasharray="6 3""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.8"{dash} points="{}"/>"#,
            pts.join(" ")
        );
        let ly = h - b - 14.0 - 15.0 * (curves.len() - 1 - k) as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{}" x2="{}" y1="{ly}" y2="{ly}" stroke="{color}" stroke-width="2"{dash}/><text x="{}" y="{}">{}</text>"#,
            w - r - 170.0,
            w - r - 150.0,
            w - r - 145.0,
            ly + 4.0,
            esc(&c.label)
        );
    }
    s.push_str("</svg>\n");
    write(path, &s)
}
