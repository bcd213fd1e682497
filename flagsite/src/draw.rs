//! The generated flags: a deterministic picture per country code.
//!
//! Each code seeds a small PRNG, which picks a palette, a layout (stripes, a cross, a
//! canton...), an emblem and a patch of "embroidery" (pixels of two colours chosen at
//! random). The embroidery is what gives the files their weight: flat stripes compress to
//! a few hundred bytes, while the book's flags weighed a few kilobytes each, and a
//! downloader is only interesting when the bytes take some time to arrive. Its area,
//! and so the file size, varies with the code: from about 2 KB to about 6 KB, the weight of
//! the book's flags.

use crate::gif::{self, Image};

/// Colours that flags use. A flag takes four of them, in an order picked by its code.
const COLOURS: [[u8; 3]; 10] = [
    [206, 17, 38],   // red
    [255, 255, 255], // white
    [0, 56, 147],    // blue
    [0, 122, 61],    // green
    [252, 209, 22],  // yellow
    [0, 0, 0],       // black
    [255, 130, 0],   // orange
    [117, 170, 219], // sky blue
    [128, 0, 32],    // maroon
    [0, 133, 161],   // teal
];

/// Flags are drawn 3:2, `WIDTH x HEIGHT`, like most flags and the book's GIFs.
const WIDTH: usize = 240;
const HEIGHT: usize = 160;

/// A tiny deterministic PRNG (xorshift64*): the same code always draws the same flag.
struct Prng(u64);

impl Prng {
    fn new(seed: u64) -> Prng {
        Prng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() >> 33) as usize % n
    }
}

/// FNV-1a: a stable hash of the code to seed the PRNG (std's hasher may change between
/// releases, and the flags must not).
fn seed(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The picture of the flag of `code` (any two letters; the site only asks for its 194).
///
/// ```
/// let image = flagsite::draw::flag_image("BR");
/// assert_eq!((image.width, image.height), (240, 160));
/// assert_eq!(image, flagsite::draw::flag_image("BR")); // deterministic
/// ```
pub fn flag_image(code: &str) -> Image {
    let mut rng = Prng::new(seed(&code.to_ascii_uppercase()));
    // Four distinct colours, a partial Fisher-Yates shuffle of the ten.
    let mut order: Vec<usize> = (0..COLOURS.len()).collect();
    for i in 0..4 {
        let j = i + rng.below(order.len() - i);
        order.swap(i, j);
    }
    let palette: Vec<[u8; 3]> = order[..4].iter().map(|&c| COLOURS[c]).collect();

    let mut pixels = vec![0u8; WIDTH * HEIGHT];
    let layout = rng.below(5);
    let stripes = 2 + rng.below(3);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let colour = match layout {
                // Horizontal stripes.
                0 => y * stripes / HEIGHT % 2,
                // Vertical stripes.
                1 => x * stripes / WIDTH % 2,
                // A Nordic cross.
                2 => usize::from((70..100).contains(&x) || (65..95).contains(&y)),
                // A diagonal.
                3 => usize::from(x * HEIGHT > y * WIDTH),
                // Stripes with a canton.
                _ if x < WIDTH / 2 && y < HEIGHT / 2 => 2,
                _ => y * (stripes + 3) / HEIGHT % 2,
            };
            pixels[y * WIDTH + x] = colour as u8;
        }
    }

    // The emblem: a disc or a diamond of colour 2 or 3.
    let (cx, cy) = (WIDTH as i64 / 2, HEIGHT as i64 / 2);
    let radius = 20 + rng.below(25) as i64;
    let emblem_colour = 2 + rng.below(2) as u8;
    let diamond = rng.below(2) == 0;
    for y in 0..HEIGHT as i64 {
        for x in 0..WIDTH as i64 {
            let (dx, dy) = (x - cx, y - cy);
            let inside = if diamond {
                dx.abs() + dy.abs() <= radius
            } else {
                dx * dx + dy * dy <= radius * radius
            };
            if inside {
                pixels[(y * WIDTH as i64 + x) as usize] = emblem_colour;
            }
        }
    }

    // The embroidery: a band along the bottom whose height varies with the code, each of
    // its pixels one of two colours at random (LZW cannot squeeze random pixels below
    // about one bit each).
    let band = 24 + rng.below(HEIGHT - 30);
    let a = rng.below(4) as u8;
    let b = (a + 1 + rng.below(3) as u8) % 4;
    for y in HEIGHT - band..HEIGHT {
        for x in 0..WIDTH {
            pixels[y * WIDTH + x] = if rng.next() >> 63 == 0 { a } else { b };
        }
    }

    Image {
        width: WIDTH as u16,
        height: HEIGHT as u16,
        palette,
        pixels,
    }
}

/// The GIF file of the flag of `code`: [`flag_image`] encoded by [`gif::encode`].
///
/// ```
/// let bytes = flagsite::draw::flag_gif("AD");
/// assert!(bytes.starts_with(b"GIF89a"));
/// assert!((1024..=40 * 1024).contains(&bytes.len()));
/// ```
pub fn flag_gif(code: &str) -> Vec<u8> {
    gif::encode(&flag_image(code))
}
