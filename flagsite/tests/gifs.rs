//! Every generated flag decodes with an independent GIF decoder (the `gif` crate), to the
//! very pixels and palette that were encoded, within the site's size bounds, and no two
//! flags are the same file.

use std::collections::HashSet;

use flagsite::draw::{flag_gif, flag_image};
use flagsite::gif::{encode, Image};
use flagsite::COUNTRIES;

/// Decodes `bytes` and returns (width, height, palette as RGB triples, pixel indices).
fn decode(bytes: &[u8]) -> (u16, u16, Vec<[u8; 3]>, Vec<u8>) {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options.read_info(bytes).expect("a valid GIF header");
    let palette: Vec<[u8; 3]> = decoder
        .global_palette()
        .expect("a global colour table")
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    let frame = decoder
        .read_next_frame()
        .expect("a valid frame")
        .expect("one frame");
    let (w, h, pixels) = (frame.width, frame.height, frame.buffer.to_vec());
    assert!(
        decoder.read_next_frame().expect("a clean end").is_none(),
        "exactly one frame"
    );
    (w, h, palette, pixels)
}

#[test]
fn every_flag_decodes_to_what_was_drawn() {
    let mut seen = HashSet::new();
    let mut sizes = Vec::new();
    for (code, _) in COUNTRIES {
        let bytes = flag_gif(code);
        assert!(bytes.starts_with(b"GIF89a"), "{code}");
        assert!(
            (1024..=40 * 1024).contains(&bytes.len()),
            "{code}: {} bytes",
            bytes.len()
        );
        let image = flag_image(code);
        let (w, h, palette, pixels) = decode(&bytes);
        assert_eq!((w, h), (240, 160), "{code}");
        assert_eq!((w, h), (image.width, image.height), "{code}");
        assert_eq!(pixels, image.pixels, "{code}: pixels differ after decoding");
        assert_eq!(
            &palette[..image.palette.len()],
            &image.palette[..],
            "{code}"
        );
        assert!(
            seen.insert(bytes.clone()),
            "{code} has the same bytes as another flag"
        );
        sizes.push(bytes.len());
    }
    sizes.sort_unstable();
    println!(
        "sizes: min {} median {} max {}",
        sizes[0],
        sizes[sizes.len() / 2],
        sizes[sizes.len() - 1]
    );
}

#[test]
fn long_random_images_overflow_the_code_table_and_still_decode() {
    // 256 colours of noise fill the 4096-entry table many times: the clear-and-restart
    // path and the 12-bit codes are exercised, which flags alone might not do.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for (colours, width, height) in [(2, 300, 200), (16, 128, 128), (256, 200, 150), (3, 1, 1)] {
        let image = Image {
            width,
            height,
            palette: (0..colours).map(|i| [i as u8, 255 - i as u8, 7]).collect(),
            pixels: (0..usize::from(width) * usize::from(height))
                .map(|i| {
                    // Runs and noise mixed, so strings of every length occur.
                    if i % 7 < 3 {
                        0
                    } else {
                        (next() % colours as u64) as u8
                    }
                })
                .collect(),
        };
        let (w, h, _, pixels) = decode(&encode(&image));
        assert_eq!((w, h), (width, height));
        assert_eq!(pixels, image.pixels, "{colours} colours, {width}x{height}");
    }
}
