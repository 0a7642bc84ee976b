//! The noise level of an image, so that the defaults follow the data
//! (DESIGN: "defaults that follow the data's noise level").

/// Immerkær's estimate (Imm96) of the standard deviation of additive white
/// noise in a row-major image: σ̂ = √(π/2) · Σ|I ∗ N| / (6(W − 2)(H − 2)),
/// N = [1 −2 1; −2 4 −2; 1 −2 1], a mask that annihilates locally linear
/// content, so a blurred (smooth) photograph leaves mostly the noise. 0 for
/// images smaller than 3 × 3.
pub fn noise_level(image: &[f64], (rows, cols): (usize, usize)) -> f64 {
    if rows < 3 || cols < 3 || image.len() != rows * cols {
        return 0.0;
    }
    let at = |i: usize, j: usize| image[i * cols + j];
    let mut sum = 0.0;
    for i in 1..rows - 1 {
        for j in 1..cols - 1 {
            let v = at(i - 1, j - 1) + at(i - 1, j + 1) + at(i + 1, j - 1) + at(i + 1, j + 1)
                - 2.0 * (at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1))
                + 4.0 * at(i, j);
            sum += v.abs();
        }
    }
    (std::f64::consts::PI / 2.0).sqrt() * sum / (6.0 * ((rows - 2) * (cols - 2)) as f64)
}
