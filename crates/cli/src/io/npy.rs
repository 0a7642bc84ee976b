//! `.npy` files: the header parsed by `npyz`, the elements decoded here;
//! written through `npyz`.

use std::path::Path;

use npyz::WriterBuilder;

use super::atomic::write_atomic;
use super::{Array, IoError, read_bytes};

/// Reads a `.npy` file of any number of dimensions into a row-major
/// [`Array`] (Fortran-ordered files are transposed into C order).
///
/// Accepts float32 and float64 (the formats the toolkit documents) and, for
/// convenience, signed/unsigned integers of 1 to 8 bytes; either byte order.
/// Refuses other dtypes, truncated data, empty arrays and non-finite values.
pub fn read_npy(path: &Path) -> Result<Array, IoError> {
    let bytes = read_bytes(path)?;
    let mut rest: &[u8] = &bytes;
    let header = npyz::NpyHeader::from_reader(&mut rest)
        .map_err(|e| IoError::format(path, format!("not a valid .npy file ({e})")))?;
    let shape: Vec<usize> = header
        .shape()
        .iter()
        .map(|&s| usize::try_from(s))
        .collect::<Result<_, _>>()
        .map_err(|_| IoError::format(path, "array shape too large for this machine"))?;
    let n = shape
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .ok_or_else(|| IoError::format(path, "array shape too large for this machine"))?;
    let npyz::DType::Plain(ts) = header.dtype() else {
        return Err(IoError::format(
            path,
            "structured or nested dtypes are not supported: expected float32 or float64",
        ));
    };
    use npyz::{Endianness, TypeChar};
    let size = ts.size_field() as usize;
    let kind = ts.type_char();
    let supported = matches!(
        (kind, size),
        (TypeChar::Float, 4 | 8) | (TypeChar::Int | TypeChar::Uint, 1 | 2 | 4 | 8)
    );
    if !supported {
        return Err(IoError::format(
            path,
            format!("unsupported dtype '{ts}': expected float32 or float64"),
        ));
    }
    if n == 0 {
        return Err(IoError::format(
            path,
            format!("no data (array of shape {shape:?} is empty)"),
        ));
    }
    let need = n.saturating_mul(size);
    if rest.len() < need {
        return Err(IoError::format(
            path,
            format!(
                "truncated .npy file: shape {shape:?} of '{ts}' needs {need} bytes of data, found {}",
                rest.len()
            ),
        ));
    }
    let big = ts.endianness() == Endianness::Big;
    let mut flat = Vec::with_capacity(n);
    for chunk in rest[..need].chunks_exact(size) {
        flat.push(decode_scalar(chunk, kind, big));
    }
    let data = if header.order() == npyz::Order::Fortran && shape.len() > 1 {
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

/// One element of dtype `kind` (the size is `b.len()`) as `f64`.
fn decode_scalar(b: &[u8], kind: npyz::TypeChar, big: bool) -> f64 {
    use npyz::TypeChar;
    macro_rules! num {
        ($t:ty, $n:expr) => {{
            let mut a = [0u8; $n];
            a.copy_from_slice(b);
            (if big {
                <$t>::from_be_bytes(a)
            } else {
                <$t>::from_le_bytes(a)
            }) as f64
        }};
    }
    match (kind, b.len()) {
        (TypeChar::Float, 4) => num!(f32, 4),
        (TypeChar::Float, _) => num!(f64, 8),
        (TypeChar::Int, 1) => num!(i8, 1),
        (TypeChar::Int, 2) => num!(i16, 2),
        (TypeChar::Int, 4) => num!(i32, 4),
        (TypeChar::Int, _) => num!(i64, 8),
        (_, 1) => num!(u8, 1),
        (_, 2) => num!(u16, 2),
        (_, 4) => num!(u32, 4),
        (_, _) => num!(u64, 8),
    }
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
