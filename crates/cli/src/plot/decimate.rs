//! Long series reduced to what a plot of a given width can show.

/// Splits a stream of points into its maximal runs without a `None`: the
/// pieces of a polyline that breaks wherever a point is missing.
pub(super) fn finite_runs<P>(points: impl IntoIterator<Item = Option<P>>) -> Vec<Vec<P>> {
    let mut runs = Vec::new();
    let mut cur = Vec::new();
    for p in points {
        match p {
            Some(p) => cur.push(p),
            None if !cur.is_empty() => runs.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

/// Polylines of `ys` against `x = index`, broken at non-finite values and
/// reduced, when longer than `2 * buckets`, to the minimum and maximum of each
/// of `buckets` consecutive index groups (kept in index order).
pub(super) fn decimated_segments(ys: &[f64], buckets: usize) -> Vec<Vec<(f64, f64)>> {
    let n = ys.len();
    let b = buckets.max(1);
    let point = |i: usize| ys[i].is_finite().then(|| (i as f64, ys[i]));
    if n <= 2 * b {
        return finite_runs((0..n).map(point));
    }
    finite_runs((0..b).flat_map(|k| {
        let bucket = (k * n / b)..((k + 1) * n / b);
        let mut finite = bucket.clone().filter(|&i| ys[i].is_finite());
        // The first index of the smallest and of the largest value.
        let extremes = finite.next().map(|first| {
            finite.fold((first, first), |(lo, hi), i| {
                (
                    if ys[i] < ys[lo] { i } else { lo },
                    if ys[i] > ys[hi] { i } else { hi },
                )
            })
        });
        let mut out = Vec::with_capacity(3);
        if bucket.clone().any(|i| !ys[i].is_finite()) {
            out.push(None);
        }
        match extremes {
            Some((lo, hi)) => {
                out.push(point(lo.min(hi)));
                if lo != hi {
                    out.push(point(lo.max(hi)));
                }
            }
            None => out.push(None),
        }
        out
    }))
}

/// Stems `(x, low, high, marker_y)` of the non-zero finite values; when longer
/// than `2 * buckets`, one stem per bucket spanning its values and marked at
/// its value of largest magnitude.
pub(super) fn decimated_stems(ys: &[f64], buckets: usize) -> Vec<(f64, f64, f64, f64)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::style::finite_range;

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
    }

    #[test]
    fn lines_break_at_non_finite_values() {
        let short = decimated_segments(&[1.0, f64::NAN, 2.0, 3.0, f64::INFINITY], 10);
        assert_eq!(short, vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
        // Decimated: buckets of 2 values; the NaN in bucket 1 breaks the line
        // before that bucket's remaining point, an all-NaN bucket breaks it too.
        let ys = [0.0, 5.0, f64::NAN, 4.0, f64::NAN, f64::NAN, 3.0, 1.0];
        let segs = decimated_segments(&ys, 4);
        assert_eq!(
            segs,
            vec![
                vec![(0.0, 0.0), (1.0, 5.0)],
                vec![(3.0, 4.0)],
                vec![(6.0, 3.0), (7.0, 1.0)]
            ]
        );
    }
}
