//! The study behind docs/studies/deblur-collapse.md: why the single-scale
//! solve of ZLK+19 eq. 28 (`sasd::deblur::Deblur`) returns a delta on real
//! photographs. Heavy (minutes): run with
//! `cargo test --release --test deblur_study -- --ignored --nocapture`.

use std::time::Duration;

use sasd::conv::{Complex64, Plan, Plan2d};
use sasd::deblur::{Deblur, Edges, blur_image, image_gradients, kernel_correlation};
use sasd::synth::motion_blur_kernel;

const SIDE: usize = 128;

fn photo(name: &str) -> Vec<f64> {
    let path = format!(
        "{}/crates/sasd/data/images/{name}.png",
        env!("CARGO_MANIFEST_DIR")
    );
    let img = image::open(path).unwrap().to_luma8();
    // The central SIDE×SIDE crop.
    let off = (256 - SIDE) / 2;
    (0..SIDE * SIDE)
        .map(|p| f64::from(img.get_pixel((off + p % SIDE) as u32, (off + p / SIDE) as u32).0[0]) / 255.0)
        .collect()
}

fn noise(n: usize, sigma: f64, seed: u64) -> Vec<f64> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    let mut r = rand::rngs::StdRng::seed_from_u64(seed);
    let d = Normal::new(0.0, sigma).unwrap();
    (0..n).map(|_| d.sample(&mut r)).collect()
}

/// F(a) = min_x Σ_s ½‖g_s − a ⊛ x_s‖² + λ‖x_s‖₁ (cyclic) by 300 FISTA steps.
fn marginal(g: &[Vec<f64>; 2], a: &[f64], k: usize, lambda: f64) -> f64 {
    let grid = (SIDE, SIDE);
    let mut plan = Plan2d::new(grid).unwrap();
    let s = plan.spectrum_len();
    let mut a_hat = vec![Complex64::default(); s];
    plan.forward(a, (k, k), &mut a_hat);
    let lip = a_hat.iter().map(|z| z.norm_sqr()).fold(0.0, f64::max);
    let n = (SIDE * SIDE) as f64;
    let mut total = 0.0;
    for gs in g {
        let mut x = vec![0.0; gs.len()];
        let mut z = x.clone();
        let mut t = 1.0f64;
        let mut spec = vec![Complex64::default(); s];
        let mut buf = vec![0.0; gs.len()];
        for _ in 0..300 {
            // residual r = a ⊛ z − g, gradient aᵀr.
            plan.forward(&z, grid, &mut spec);
            spec.iter_mut().zip(&a_hat).for_each(|(v, h)| *v *= h / n);
            plan.inverse(&mut spec, grid, &mut buf);
            buf.iter_mut().zip(gs).for_each(|(b, g)| *b -= g);
            plan.forward(&buf, grid, &mut spec);
            spec.iter_mut().zip(&a_hat).for_each(|(v, h)| *v *= h.conj() / n);
            plan.inverse(&mut spec, grid, &mut buf);
            let prev = x.clone();
            for i in 0..x.len() {
                let v = z[i] - buf[i] / lip;
                x[i] = v.signum() * (v.abs() - lambda / lip).max(0.0);
            }
            let t1 = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
            for i in 0..x.len() {
                z[i] = x[i] + (t - 1.0) / t1 * (x[i] - prev[i]);
            }
            t = t1;
        }
        plan.forward(&x, grid, &mut spec);
        spec.iter_mut().zip(&a_hat).for_each(|(v, h)| *v *= h / n);
        plan.inverse(&mut spec, grid, &mut buf);
        let fit: f64 = buf.iter().zip(gs).map(|(p, q)| (p - q).powi(2)).sum::<f64>() / 2.0;
        total += fit + lambda * x.iter().map(|t| t.abs()).sum::<f64>();
    }
    total
}

#[test]
#[ignore = "study: minutes of solver time"]
fn why_the_kernel_collapses() {
    let k = 9;
    let truth = motion_blur_kernel(k, (1.5, 1.0), (6.5, 7.5)).unwrap();
    let tn = truth.iter().map(|t| t * t).sum::<f64>().sqrt();
    let sphere_truth: Vec<f64> = truth.iter().map(|t| t / tn).collect();
    let mut delta = vec![0.0; k * k];
    delta[k * k / 2] = 1.0;
    println!("image | edges | sigma | F(truth)/F(delta) at lambda* | corr | peak | iters | stop | s");
    for name in ["camera", "coffee"] {
        let sharp = photo(name);
        for edges in [Edges::Cyclic, Edges::Reflect] {
            for sigma in [0.0, 0.01] {
                let mut y = blur_image(&sharp, (SIDE, SIDE), &truth, (k, k), edges).unwrap();
                y.iter_mut()
                    .zip(noise(SIDE * SIDE, sigma, 7))
                    .for_each(|(v, e)| *v += e);
                let [gx, gy] = image_gradients(&y, SIDE, SIDE).unwrap();
                let n = ((3 * k - 2) * (3 * k - 2)) as f64;
                let rms =
                    (gx.iter().chain(&gy).map(|t| t * t).sum::<f64>() / (2 * SIDE * SIDE) as f64).sqrt();
                let lambda = 0.1 / n.sqrt() * rms;
                let g = [gx, gy];
                // The kernel block anchored at the origin: the cyclic shift is
                // irrelevant to F.
                let ratio = marginal(&g, &sphere_truth, k, lambda) / marginal(&g, &delta, k, lambda);
                let out = Deblur::new(k, k)
                    .max_iterations(6000)
                    .time_budget(Duration::from_secs(40))
                    .run(&y, SIDE, SIDE)
                    .unwrap();
                let corr = kernel_correlation(&out.kernel, (k, k), &truth, (k, k)).unwrap();
                let peak = out.kernel.iter().map(|t| t * t).fold(0.0, f64::max);
                println!(
                    "{name} | {edges:?} | {sigma} | {ratio:.3} | {corr:.3} | {peak:.2} | {} | {} | {:.1}",
                    out.iterations,
                    out.stop,
                    out.elapsed.as_secs_f64()
                );
            }
        }
    }
}
