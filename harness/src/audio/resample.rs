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
    if (up == 1 && down == 1) || x.is_empty() {
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
    // Split the filter into `up` phases (phase p holds taps p, p+up, p+2up, ...), each stored
    // reversed so that one output is a straight dot product with a slice of the input.
    let phases: Vec<Vec<f64>> = (0..up)
        .map(|p| {
            let mut v: Vec<f64> = h.iter().skip(p).step_by(up).copied().collect();
            v.reverse();
            v
        })
        .collect();
    let xs: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let mut y = Vec::with_capacity(n_out);
    for i in 0..n_out {
        // Full-convolution index of the upsampled signal: y[k] = Σ_j h[j] · xu[k·down − j].
        let t = (i + n_pre_remove) * down;
        let rev = &phases[t % up];
        let len = rev.len();
        // Tap m of the phase pairs with input sample base − m; keep those inside [0, n_in).
        let base = t / up;
        let m_lo = base.saturating_sub(n_in - 1);
        let m_hi = len.min(base + 1);
        if m_lo >= m_hi {
            y.push(0.0);
            continue;
        }
        let xin = &xs[base + 1 - m_hi..base + 1 - m_lo];
        let taps = &rev[len - m_hi..len - m_lo];
        y.push(dot(taps, xin) as f32);
    }
    Ok(y)
}

/// Dot product with four independent accumulators (lets the compiler vectorise it).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}
