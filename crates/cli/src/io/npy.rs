//! `.npy` files, read and written through `npyz`.
//!
//! `npyz` parses the header (dtype, order, shape) and decodes the elements in
//! either byte order; this module only checks what the toolkit accepts,
//! converts to `f64` and reorders Fortran-ordered data into C order.

use std::path::Path;

use npyz::{DType, Deserialize, NpyFile, NpyHeader, Order, TypeChar, TypeStr, WriterBuilder};

use super::atomic::write_atomic;
use super::{Array, IoError, read_bytes};

/// Reads a `.npy` file of any number of dimensions into a row-major
/// [`Array`] (Fortran-ordered files are transposed into C order).
///
/// Accepts float32 and float64 (the formats the toolkit documents) and, for
/// convenience, signed/unsigned integers of 1 to 8 bytes; either byte order.
/// Refuses other dtypes, truncated data, empty arrays and non-finite values.
/// The data length is checked against the header before anything is
/// allocated for it, so a forged shape cannot exhaust memory.
pub fn read_npy(path: &Path) -> Result<Array, IoError> {
    let bytes = read_bytes(path)?;
    let mut rest: &[u8] = &bytes;
    let header = NpyHeader::from_reader(&mut rest)
        .map_err(|e| IoError::format(path, format!("not a valid .npy file ({e})")))?;
    let too_large = || IoError::format(path, "array shape too large for this machine");
    let shape: Vec<usize> = header
        .shape()
        .iter()
        .map(|&s| usize::try_from(s))
        .collect::<Result<_, _>>()
        .map_err(|_| too_large())?;
    let n = shape
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .ok_or_else(too_large)?;
    let DType::Plain(ts) = header.dtype() else {
        return Err(IoError::format(
            path,
            "structured or nested dtypes are not supported: expected float32 or float64",
        ));
    };
    let decode = decoder(&ts).ok_or_else(|| {
        IoError::format(
            path,
            format!("unsupported dtype '{ts}': expected float32 or float64"),
        )
    })?;
    if n > crate::limits::MAX_SAMPLES {
        return Err(IoError::format(
            path,
            format!(
                "array of shape {shape:?} has {n} values, more than the {} (2^25) this program handles",
                crate::limits::MAX_SAMPLES
            ),
        ));
    }
    if n == 0 {
        return Err(IoError::format(
            path,
            format!("no data (array of shape {shape:?} is empty)"),
        ));
    }
    let need = n.saturating_mul(ts.size_field() as usize);
    if rest.len() < need {
        return Err(IoError::format(
            path,
            format!(
                "truncated .npy file: shape {shape:?} of '{ts}' needs {need} bytes of data, found {}",
                rest.len()
            ),
        ));
    }
    let order = header.order();
    let flat = decode(NpyFile::with_header(header, rest), n)
        .map_err(|e| IoError::format(path, format!("not a valid .npy file ({e})")))?;
    let data = if order == Order::Fortran && shape.len() > 1 {
        fortran_to_c(&flat, &shape)
    } else {
        flat
    };
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(IoError::format(
            path,
            format!("non-finite value {} at index {}", data[i], multi_index(i, &shape)),
        ));
    }
    Ok(Array { data, shape })
}

/// Reads the `n` elements of a file, in storage order, converted to `f64`.
type Decode = fn(NpyFile<&[u8]>, usize) -> std::io::Result<Vec<f64>>;

/// The decoder of a plain dtype, if it is one the toolkit reads: float32,
/// float64, or an integer of 1, 2, 4 or 8 bytes (either signedness).
fn decoder(ts: &TypeStr) -> Option<Decode> {
    let d: Decode = match (ts.type_char(), ts.size_field()) {
        (TypeChar::Float, 4) => |f, n| collect::<f32>(f, n, f64::from),
        (TypeChar::Float, 8) => |f, n| collect(f, n, |v: f64| v),
        (TypeChar::Int, 1) => |f, n| collect::<i8>(f, n, f64::from),
        (TypeChar::Int, 2) => |f, n| collect::<i16>(f, n, f64::from),
        (TypeChar::Int, 4) => |f, n| collect::<i32>(f, n, f64::from),
        // Integers beyond 2^53 round, as numpy's astype(float) does.
        (TypeChar::Int, 8) => |f, n| collect(f, n, |v: i64| v as f64),
        (TypeChar::Uint, 1) => |f, n| collect::<u8>(f, n, f64::from),
        (TypeChar::Uint, 2) => |f, n| collect::<u16>(f, n, f64::from),
        (TypeChar::Uint, 4) => |f, n| collect::<u32>(f, n, f64::from),
        (TypeChar::Uint, 8) => |f, n| collect(f, n, |v: u64| v as f64),
        _ => return None,
    };
    Some(d)
}

fn collect<T: Deserialize>(
    file: NpyFile<&[u8]>,
    n: usize,
    to_f64: impl Fn(T) -> f64,
) -> std::io::Result<Vec<f64>> {
    let reader = file.data::<T>().map_err(std::io::Error::other)?;
    let mut out = Vec::with_capacity(n);
    for v in reader {
        out.push(to_f64(v?));
    }
    Ok(out)
}

/// `[i0, i1, ...]`, the multi-index of the row-major position `flat`.
fn multi_index(mut flat: usize, shape: &[usize]) -> String {
    let mut idx = vec![0usize; shape.len()];
    for (k, &s) in shape.iter().enumerate().rev() {
        if s > 0 {
            idx[k] = flat % s;
            flat /= s;
        }
    }
    let parts: Vec<String> = idx.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// Reorders column-major (first index fastest) data into row-major order.
fn fortran_to_c(flat: &[f64], shape: &[usize]) -> Vec<f64> {
    let d = shape.len();
    // Fortran strides: stride[0] = 1, stride[k] = stride[k-1] * shape[k-1].
    let mut fstride = vec![1usize; d];
    for k in 1..d {
        fstride[k] = fstride[k - 1] * shape[k - 1];
    }
    let mut out = Vec::with_capacity(flat.len());
    let mut idx = vec![0usize; d];
    for _ in 0..flat.len() {
        let off: usize = idx.iter().zip(&fstride).map(|(i, s)| i * s).sum();
        out.push(flat[off]);
        // Advance the C-order multi-index (last axis fastest).
        for k in (0..d).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

/// Encodes an array as `.npy` bytes (little-endian float64, C order, shape as
/// given). Fails when the shape does not match the data length.
fn npy_bytes(array: &Array) -> Result<Vec<u8>, String> {
    let n: Option<usize> = array.shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
    if n != Some(array.data.len()) {
        return Err(format!(
            "array shape {:?} does not match its {} values",
            array.shape,
            array.data.len()
        ));
    }
    let shape: Vec<u64> = array.shape.iter().map(|&s| s as u64).collect();
    let mut buf = Vec::with_capacity(128 + 8 * array.data.len());
    let mut w = npyz::WriteOptions::<f64>::new()
        .default_dtype()
        .shape(&shape)
        .writer(&mut buf)
        .begin_nd()
        .map_err(|e| e.to_string())?;
    w.extend(array.data.iter().copied()).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Writes `array` as a float64 `.npy` file of the array's shape, atomically
/// (see [`write_atomic`]).
pub fn write_npy(path: &Path, array: &Array) -> Result<(), IoError> {
    let bytes = npy_bytes(array).map_err(|m| IoError::format(path, m))?;
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_util::{err_msg, tmp};
    use crate::io::{Input, read_input};
    use std::fs;

    /// Writes a raw .npy file with an arbitrary header (dtype, order, shape).
    fn raw_npy(path: &Path, descr: &str, fortran: bool, shape: &[usize], data: &[u8]) {
        let shape_str = match shape.len() {
            1 => format!("({},)", shape[0]),
            _ => format!(
                "({})",
                shape
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let fo = if fortran { "True" } else { "False" };
        let mut h = format!("{{'descr': '{descr}', 'fortran_order': {fo}, 'shape': {shape_str}, }}");
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        b.extend_from_slice(data);
        fs::write(path, b).unwrap();
    }

    #[test]
    fn npy_f64_round_trip_1d_and_2d() {
        let d = tmp();
        let p = d.path().join("s.npy");
        let v: Vec<f64> = (0..7).map(|i| i as f64 * 0.5 - 1.0).collect();
        write_npy(&p, &Array::vector(v.clone())).unwrap();
        assert_eq!(read_input(&p).unwrap(), Input::Signal(v.clone()));
        assert_eq!(read_npy(&p).unwrap(), Array::vector(v));

        let img: Vec<f64> = (0..12).map(|i| i as f64).collect();
        let p2 = d.path().join("IMG.NPY");
        write_npy(
            &p2,
            &Array {
                data: img.clone(),
                shape: vec![3, 4],
            },
        )
        .unwrap();
        assert_eq!(
            read_input(&p2).unwrap(),
            Input::Image {
                data: img,
                rows: 3,
                cols: 4
            }
        );
        // 3-D arrays round-trip through read_npy (kernel stacks K×n1×n2).
        let p3 = d.path().join("k.npy");
        let a3 = Array {
            data: (0..24).map(f64::from).collect(),
            shape: vec![2, 3, 4],
        };
        write_npy(&p3, &a3).unwrap();
        assert_eq!(read_npy(&p3).unwrap(), a3);
    }

    #[test]
    fn npy_f32_written_by_npyz_is_read() {
        let d = tmp();
        let p = d.path().join("f32.npy");
        let v: Vec<f32> = vec![1.5, -2.25, 3.0, 0.125];
        npyz::to_file_1d(&p, v.iter().copied()).unwrap();
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Signal(v.iter().map(|&x| f64::from(x)).collect())
        );
    }

    #[test]
    fn npy_big_endian_and_fortran_order() {
        let d = tmp();
        let p = d.path().join("be.npy");
        let vals = [1.0f64, 2.0, -3.5];
        let bytes: Vec<u8> = vals.iter().flat_map(|v| v.to_be_bytes()).collect();
        raw_npy(&p, ">f8", false, &[3], &bytes);
        assert_eq!(read_input(&p).unwrap(), Input::Signal(vals.to_vec()));

        // Fortran-ordered 2x3 matrix [[1,2,3],[4,5,6]] stored column by column.
        let p = d.path().join("f.npy");
        let colmajor = [1.0f32, 4.0, 2.0, 5.0, 3.0, 6.0];
        let bytes: Vec<u8> = colmajor.iter().flat_map(|v| v.to_le_bytes()).collect();
        raw_npy(&p, "<f4", true, &[2, 3], &bytes);
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Image {
                data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                rows: 2,
                cols: 3
            }
        );
    }

    #[test]
    fn npy_integers_are_converted() {
        let d = tmp();
        let p = d.path().join("i.npy");
        let bytes: Vec<u8> = [-300i16, 7, 12_000]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        raw_npy(&p, ">i2", false, &[3], &bytes);
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Signal(vec![-300.0, 7.0, 12_000.0])
        );
        raw_npy(&p, "|u1", false, &[2, 2], &[0, 1, 254, 255]);
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Image {
                data: vec![0.0, 1.0, 254.0, 255.0],
                rows: 2,
                cols: 2
            }
        );
    }

    #[test]
    fn npy_errors() {
        let d = tmp();
        // 3-D through read_input.
        let p = d.path().join("cube.npy");
        write_npy(
            &p,
            &Array {
                data: vec![0.0; 8],
                shape: vec![2, 2, 2],
            },
        )
        .unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("3-D arrays are not supported"), "{m}");
        assert!(m.contains("cube.npy"), "{m}");

        // Truncated data.
        let p = d.path().join("trunc.npy");
        write_npy(&p, &Array::vector(vec![1.0; 100])).unwrap();
        let b = fs::read(&p).unwrap();
        fs::write(&p, &b[..b.len() - 13]).unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("truncated"), "{m}");

        // Truncated inside the header, and garbage.
        fs::write(&p, &b[..20]).unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("not a valid .npy file"), "{m}");
        fs::write(&p, b"hello, world").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("not a valid .npy file"), "{m}");

        // NaN names the index.
        let p = d.path().join("nan.npy");
        write_npy(
            &p,
            &Array {
                data: vec![0.0, 1.0, 2.0, f64::NAN],
                shape: vec![2, 2],
            },
        )
        .unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("non-finite") && m.contains("[1, 1]"), "{m}");

        // Unsupported dtype and empty array.
        let p = d.path().join("c.npy");
        raw_npy(&p, "<c16", false, &[1], &[0u8; 16]);
        let m = err_msg(read_input(&p));
        assert!(m.contains("unsupported dtype"), "{m}");
        let p = d.path().join("e.npy");
        raw_npy(&p, "<f8", false, &[0], &[]);
        let m = err_msg(read_input(&p));
        assert!(m.contains("no data"), "{m}");
    }
}
