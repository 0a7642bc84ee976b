//! Image and kernel resizing for the coarse-to-fine pyramid: separable
//! triangle (bilinear) filtering, widened by the reduction factor when
//! shrinking so that a coarse level averages rather than aliases (as PIL's
//! and MATLAB's antialiased `imresize`).

/// A row-major `rows × cols` array resized to `to = (rows', cols')`.
pub(crate) fn resize(v: &[f64], (rows, cols): (usize, usize), to: (usize, usize)) -> Vec<f64> {
    let along_rows = weights(cols, to.1);
    let mut tmp = vec![0.0; rows * to.1];
    for i in 0..rows {
        let src = &v[i * cols..(i + 1) * cols];
        for (j, taps) in along_rows.iter().enumerate() {
            tmp[i * to.1 + j] = taps.iter().map(|&(k, w)| w * src[k]).sum();
        }
    }
    let down_cols = weights(rows, to.0);
    let mut out = vec![0.0; to.0 * to.1];
    for (i, taps) in down_cols.iter().enumerate() {
        let row = &mut out[i * to.1..(i + 1) * to.1];
        for &(k, w) in taps {
            let src = &tmp[k * to.1..(k + 1) * to.1];
            row.iter_mut().zip(src).for_each(|(o, s)| *o += w * s);
        }
    }
    out
}

/// For each of `m` output samples, the (input index, weight) taps of a
/// triangle filter of half-width max(1, n/m) centred at the output sample's
/// position (j + ½)·n/m − ½; weights sum to 1, indices clamped at the ends.
fn weights(n: usize, m: usize) -> Vec<Vec<(usize, f64)>> {
    let scale = n as f64 / m as f64;
    let width = scale.max(1.0);
    (0..m)
        .map(|j| {
            let centre = (j as f64 + 0.5) * scale - 0.5;
            let lo = (centre - width).floor() as isize;
            let hi = (centre + width).ceil() as isize;
            let mut taps: Vec<(usize, f64)> = (lo..=hi)
                .filter_map(|k| {
                    let w = 1.0 - (k as f64 - centre).abs() / width;
                    (w > 0.0).then(|| (k.clamp(0, n as isize - 1) as usize, w))
                })
                .collect();
            let sum: f64 = taps.iter().map(|t| t.1).sum();
            taps.iter_mut().for_each(|t| t.1 /= sum);
            taps
        })
        .collect()
}

/// A non-negative kernel resized to `to` and renormalised to sum 1 (a
/// uniform one if resizing left nothing).
pub(crate) fn resize_kernel(k: &[f64], from: (usize, usize), to: (usize, usize)) -> Vec<f64> {
    let mut out = resize(k, from, to);
    out.iter_mut().for_each(|t| *t = t.max(0.0));
    let sum: f64 = out.iter().sum();
    if sum > 0.0 {
        out.iter_mut().for_each(|t| *t /= sum);
    } else {
        let n = out.len() as f64;
        out.iter_mut().for_each(|t| *t = 1.0 / n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resizing_keeps_constants_and_the_identity() {
        let c = vec![0.7; 12 * 9];
        for to in [(5, 4), (12, 9), (20, 13)] {
            assert!(resize(&c, (12, 9), to).iter().all(|t| (t - 0.7).abs() < 1e-12));
        }
        let v: Vec<f64> = (0..12 * 9).map(|p| p as f64).collect();
        assert_eq!(resize(&v, (12, 9), (12, 9)), v);
        let k = resize_kernel(&[0.0, 1.0, 0.0], (1, 3), (3, 5));
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-12 && k.iter().all(|t| *t >= 0.0));
    }
}
