//! A small deterministic PRNG (SplitMix64) and the random strings CloudTrail is full of.

/// SplitMix64: tiny, fast, good enough for synthetic data, same output everywhere.
pub struct Rng(u64);

const ALNUM_UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &[u8] = b"0123456789abcdef";

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// An independent stream derived from this seed and a label.
    pub fn fork(seed: u64, label: u64) -> Rng {
        let mut r = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ label);
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// Picks by weight from `(weight, item)` pairs.
    pub fn weighted<T: Copy>(&mut self, xs: &[(u32, T)]) -> T {
        let total: u64 = xs.iter().map(|x| u64::from(x.0)).sum();
        let mut r = self.below(total);
        for (w, x) in xs {
            if r < u64::from(*w) {
                return *x;
            }
            r -= u64::from(*w);
        }
        xs[xs.len() - 1].1
    }

    fn chars(&mut self, set: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| set[self.below(set.len() as u64) as usize] as char)
            .collect()
    }

    /// Upper-case letters and digits (access key ids, request ids).
    pub fn upper(&mut self, n: usize) -> String {
        self.chars(ALNUM_UPPER, n)
    }

    /// Mixed-case letters and digits.
    pub fn alnum(&mut self, n: usize) -> String {
        self.chars(ALNUM, n)
    }

    /// Base64-looking text (session tokens, S3 host ids).
    pub fn b64(&mut self, n: usize) -> String {
        self.chars(B64, n)
    }

    pub fn hex(&mut self, n: usize) -> String {
        self.chars(HEX, n)
    }

    /// A lowercase v4-looking UUID.
    pub fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-{}{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            *self.pick(&['8', '9', 'a', 'b']),
            self.hex(3),
            self.hex(12)
        )
    }
}
