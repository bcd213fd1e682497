//! A small GIF89a encoder: one image, a global colour table of up to 256 colours, and the
//! variable-width LZW compression that GIF prescribes.
//!
//! GIF's LZW in four rules, as the decoder sees them (the encoder must agree bit for bit):
//!
//! 1. Codes `0..2^min` stand for single pixels; `clear = 2^min` resets the table,
//!    `end = clear + 1` ends the data; new strings get codes from `end + 1` up to 4095.
//! 2. Codes are packed least significant bit first, starting `min + 1` bits wide.
//! 3. The width grows by one bit as soon as the code just added to the table equals
//!    `2^width` (the decoder adds its entry one code later than the encoder, and this is the
//!    rule that keeps them in step), up to 12 bits.
//! 4. When the table is full the encoder sends `clear` and both sides start again.

/// An indexed-colour image: `pixels[y * width + x]` is an index into `palette`.
///
/// ```
/// let image = flagsite::gif::Image {
///     width: 2,
///     height: 1,
///     palette: vec![[255, 0, 0], [0, 0, 255]],
///     pixels: vec![0, 1],
/// };
/// let bytes = flagsite::gif::encode(&image);
/// assert!(bytes.starts_with(b"GIF89a"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels (at least 1).
    pub width: u16,
    /// Height in pixels (at least 1).
    pub height: u16,
    /// The colours, 1 to 256 of them, as RGB.
    pub palette: Vec<[u8; 3]>,
    /// One palette index per pixel, row by row: `width * height` of them.
    pub pixels: Vec<u8>,
}

/// The largest code GIF's LZW may use: codes are at most 12 bits wide.
const MAX_CODE: u16 = 4095;

/// Encodes `image` as a complete GIF89a file.
///
/// Panics if the image is inconsistent (no colours, more than 256, a pixel count other
/// than `width * height`, or an index outside the palette): images are built by this
/// crate, never read from a peer.
///
/// ```
/// use flagsite::gif::{encode, Image};
/// let image = Image { width: 1, height: 1, palette: vec![[0, 0, 0]], pixels: vec![0] };
/// let bytes = encode(&image);
/// assert_eq!(bytes.last(), Some(&b';')); // the trailer
/// ```
pub fn encode(image: &Image) -> Vec<u8> {
    let colours = image.palette.len();
    assert!((1..=256).contains(&colours), "1 to 256 colours");
    assert_eq!(
        image.pixels.len(),
        usize::from(image.width) * usize::from(image.height),
        "one index per pixel"
    );
    assert!(
        image.pixels.iter().all(|&p| usize::from(p) < colours),
        "every index inside the palette"
    );
    // The colour table holds 2^(n+1) entries; pad the palette with black up to that.
    let table_bits = (1..=8).find(|bits| 1usize << bits >= colours).unwrap_or(8);
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"GIF89a");
    // Logical screen descriptor: size, flags (global table present, colour resolution,
    // table size), background colour index, pixel aspect ratio (0: unspecified).
    out.extend_from_slice(&image.width.to_le_bytes());
    out.extend_from_slice(&image.height.to_le_bytes());
    let size_field = table_bits as u8 - 1;
    out.push(0x80 | (size_field << 4) | size_field);
    out.push(0);
    out.push(0);
    for i in 0..1usize << table_bits {
        out.extend_from_slice(&image.palette.get(i).copied().unwrap_or([0, 0, 0]));
    }
    // Image descriptor: position (0, 0), size, no local table, not interlaced.
    out.push(b',');
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&image.width.to_le_bytes());
    out.extend_from_slice(&image.height.to_le_bytes());
    out.push(0);
    // LZW's minimum code size is at least 2, even for a two-colour image.
    let min_code_size = table_bits.max(2) as u8;
    out.push(min_code_size);
    let data = lzw_encode(min_code_size, &image.pixels);
    // The data goes out in sub-blocks of at most 255 bytes, each after its length, and a
    // zero-length block ends it.
    for block in data.chunks(255) {
        out.push(block.len() as u8);
        out.extend_from_slice(block);
    }
    out.push(0);
    out.push(b';');
    out
}

/// Packs codes of varying width, least significant bit first.
struct BitWriter {
    out: Vec<u8>,
    /// Bits not yet written out, the oldest in the low end.
    pending: u32,
    /// How many bits of `pending` are in use (always below 8 between calls).
    count: u32,
}

impl BitWriter {
    fn write(&mut self, code: u16, width: u32) {
        self.pending |= u32::from(code) << self.count;
        self.count += width;
        while self.count >= 8 {
            self.out.push(self.pending as u8);
            self.pending >>= 8;
            self.count -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.pending as u8);
        }
        self.out
    }
}

/// GIF-flavoured LZW of `pixels`, whose values are all below `2^min_code_size`.
fn lzw_encode(min_code_size: u8, pixels: &[u8]) -> Vec<u8> {
    let alphabet = 1usize << min_code_size;
    let clear = alphabet as u16;
    let end = clear + 1;
    // The string table as a trie: `children[code * alphabet + pixel]` is the code of the
    // string `code` followed by `pixel`, or 0 for "not in the table" (0 is a single-pixel
    // code, never the code of a longer string). A flat array beats a hash map by an order
    // of magnitude here, and is small: 4096 codes times at most 256 pixel values.
    let mut children = vec![0u16; (usize::from(MAX_CODE) + 1) * alphabet];
    let initial_width = u32::from(min_code_size) + 1;
    let mut width = initial_width;
    let mut next = end + 1;
    let mut bits = BitWriter {
        out: Vec::with_capacity(pixels.len() / 2),
        pending: 0,
        count: 0,
    };
    bits.write(clear, width);
    let Some((&first, rest)) = pixels.split_first() else {
        bits.write(end, width);
        return bits.finish();
    };
    let mut prefix = u16::from(first);
    for &pixel in rest {
        let slot = usize::from(prefix) * alphabet + usize::from(pixel);
        let child = children[slot];
        if child != 0 {
            prefix = child;
            continue;
        }
        bits.write(prefix, width);
        children[slot] = next;
        if next == 1 << width {
            width += 1;
        }
        next += 1;
        if next > MAX_CODE {
            // Table full: start again, as the decoder will on reading `clear`.
            bits.write(clear, width);
            children.fill(0);
            width = initial_width;
            next = end + 1;
        }
        prefix = u16::from(pixel);
    }
    bits.write(prefix, width);
    bits.write(end, width);
    bits.finish()
}
