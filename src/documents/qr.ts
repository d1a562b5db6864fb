import QRCode from 'qrcode';

/** A QR code's modules (true = dark), row by row: drawn as vector squares so it stays sharp when printed. */
export interface QrMatrix {
  size: number;
  dark(row: number, col: number): boolean;
}

/** The QR code of `text` with medium error correction (a stamp or a crease may cover part of it). */
export function qrMatrix(text: string): QrMatrix {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = qr.modules;
  return { size, dark: (row, col) => data[row * size + col] === 1 };
}
