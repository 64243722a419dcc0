//! `scipy.signal.resample_poly`, reimplemented: the resampler the reference models were fed by.
//!
//! Kept free of dependencies so it can be benchmarked on its own.

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20).
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let q = x * x / 4.0;
    for k in 1..200 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// `scipy.signal.firwin(numtaps, cutoff, window=("kaiser", beta))`: a linear-phase low-pass
/// with cutoff relative to Nyquist, scaled to unit gain at DC.
fn firwin_kaiser(numtaps: usize, cutoff: f64, beta: f64) -> Vec<f64> {
    let alpha = (numtaps as f64 - 1.0) / 2.0;
    let denom = bessel_i0(beta);
    let mut h: Vec<f64> = (0..numtaps)
        .map(|n| {
            let m = n as f64 - alpha;
            let x = cutoff * m;
            let sinc = if x == 0.0 {
                1.0
            } else {
                (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
            };
            let r = if numtaps > 1 {
                2.0 * n as f64 / (numtaps as f64 - 1.0) - 1.0
            } else {
                0.0
            };
            let w = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / denom;
            cutoff * sinc * w
        })
        .collect();
    let s: f64 = h.iter().sum();
    for v in &mut h {
        *v /= s;
    }
    h
}

/// Resamples `x` from `from` Hz to `to` Hz exactly as `scipy.signal.resample_poly(x, up, down)`
/// with `up/down = to/from` reduced by their gcd (zero padding at both ends, output length
/// `ceil(len * up / down)`). Computed in f64, returned as f32.
pub fn resample_poly(x: &[f32], from: u32, to: u32) -> Result<Vec<f32>, String> {
    if from == 0 || to == 0 {
        return Err("sample rates must be positive".into());
    }
    let g = gcd(u64::from(from), u64::from(to));
    let up = (u64::from(to) / g) as usize;
    let down = (u64::from(from) / g) as usize;
    if up == 1 && down == 1 {
        return Ok(x.to_vec());
    }
    let max_rate = up.max(down);
    if max_rate > 100_000 {
        return Err(format!(
            "rate ratio {up}/{down} is too fine-grained for a polyphase filter"
        ));
    }
    let half_len = 10 * max_rate;
    let mut h = firwin_kaiser(2 * half_len + 1, 1.0 / max_rate as f64, 5.0);
    for v in &mut h {
        *v *= up as f64;
    }
    let n_in = x.len();
    let n_out = (n_in * up).div_ceil(down);
    // scipy pads the filter in front so that the group delay lands on a whole output sample.
    let n_pre_pad = down - half_len % down;
    let n_pre_remove = (half_len + n_pre_pad) / down;
    let mut padded = vec![0.0; n_pre_pad];
    padded.extend_from_slice(&h);
    let h = padded;
    // Split the filter into `up` phases: phase p holds taps p, p+up, p+2up, ...
    let phases: Vec<Vec<f64>> = (0..up)
        .map(|p| h.iter().skip(p).step_by(up).copied().collect())
        .collect();
    let mut y = Vec::with_capacity(n_out);
    for i in 0..n_out {
        // Full-convolution index of the upsampled signal: y[k] = Σ_j h[j] · xu[k·down − j].
        let t = (i + n_pre_remove) * down;
        let p = t % up;
        let phase = &phases[p];
        // Taps j = p + m·up pair with input sample (t − j) / up = t/up − m (integer division).
        let base = t / up;
        let mut acc = 0.0f64;
        // m ranges over taps whose input index base − m lies inside [0, n_in).
        let m_lo = base.saturating_sub(n_in - 1);
        let m_hi = phase.len().min(base + 1);
        for (m, &c) in phase.iter().enumerate().take(m_hi).skip(m_lo) {
            acc += c * f64::from(x[base - m]);
        }
        y.push(acc as f32);
    }
    Ok(y)
}
