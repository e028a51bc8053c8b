// Draws Berth's icons (a stack of containers at a quay) and writes them as PNGs with zlib only:
//   node resources/make-icons.mjs
// icon.png: the app icon (512 px; electron-builder derives .icns and .ico from it).
// tray.png / tray@2x.png: colour tray icons (Linux, Windows); trayTemplate*.png: macOS template images
// (black and alpha only; macOS tints them for light and dark menu bars).
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Inside a rounded rectangle (coordinates in units of the icon's side, 0..1). */
const roundedRect = (x0, y0, x1, y1, r) => (x, y) => {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
};

// Two containers on the quay, one on top, and the quay's edge.
const CONTAINERS = [
  roundedRect(0.17, 0.47, 0.49, 0.66, 0.025),
  roundedRect(0.51, 0.47, 0.83, 0.66, 0.025),
  roundedRect(0.34, 0.26, 0.66, 0.45, 0.025),
];
const QUAY = roundedRect(0.12, 0.7, 0.88, 0.76, 0.02);
const BACKGROUND = roundedRect(0.04, 0.04, 0.96, 0.96, 0.2);

/** Paints with 4×4 supersampling; `paint(x, y)` gives [r, g, b, a] or null. */
function render(size, paint) {
  const out = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = paint((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (!c) continue;
          const alpha = c[3] / 255;
          r += c[0] * alpha;
          g += c[1] * alpha;
          b += c[2] * alpha;
          a += alpha;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
      out[i + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return out;
}

const onShape = (x, y) => CONTAINERS.some((inside) => inside(x, y)) || QUAY(x, y);

function appIcon(x, y) {
  if (!BACKGROUND(x, y)) return null;
  if (onShape(x, y)) return [255, 255, 255, 255];
  // A top-to-bottom blue gradient, the colour of deep water.
  const t = y;
  return [Math.round(22 + 10 * t), Math.round(119 - 40 * t), Math.round(255 - 60 * t), 255];
}
const trayIcon = (rgb) => (x, y) => (onShape(x, y) ? [...rgb, 255] : null);

const here = new URL('.', import.meta.url);
const write = (name, size, paint) => writeFileSync(new URL(name, here), png(size, render(size, paint)));
write('icon.png', 512, appIcon);
write('tray.png', 16, appIcon);
write('tray@2x.png', 32, appIcon);
write('trayTemplate.png', 16, trayIcon([0, 0, 0]));
write('trayTemplate@2x.png', 32, trayIcon([0, 0, 0]));
