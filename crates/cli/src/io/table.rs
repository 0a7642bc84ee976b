//! Text tables of numbers (`.csv`, `.txt`).

/// Parses a text table of numbers into columns.
///
/// - Separators: semicolons if the line has any, else commas if it has any,
///   else runs of whitespace (so `1.5;2` and `1.5, 2` and `1.5 2` all work).
///   With semicolons or commas an empty field is an error.
/// - Blank lines and lines starting with `#` are skipped (numpy's `savetxt`
///   header); a UTF-8 byte-order mark is ignored; fields may be quoted.
/// - The first data line is taken as a header and skipped if any of its
///   fields is not a number.
/// - Every row must have the same number of values (the error gives the line
///   number, counting from 1); at least one row is required ("no data");
///   every value must be finite.
///
/// Returns one vector per column. Errors are one-line messages without the
/// file name (the caller adds it).
pub fn parse_text_table(text: &str) -> Result<Vec<Vec<f64>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut width_line = 0usize;
    let mut seen_first = false;
    for (lineno, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = split_fields(line);
        let parsed: Vec<Option<f64>> = fields.iter().map(|f| parse_number(f)).collect();
        if !seen_first {
            seen_first = true;
            if parsed.iter().any(Option::is_none) {
                // A header of column names.
                continue;
            }
        }
        if columns.is_empty() {
            columns = vec![Vec::new(); fields.len()];
            width_line = lineno;
        } else if fields.len() != columns.len() {
            return Err(format!(
                "line {lineno} has {} values, expected {} (as on line {width_line})",
                fields.len(),
                columns.len()
            ));
        }
        for (col, (field, value)) in fields.iter().zip(parsed).enumerate() {
            let v = match value {
                Some(v) => v,
                None if field.is_empty() => {
                    return Err(format!("line {lineno}, column {}: empty value", col + 1));
                }
                None => {
                    return Err(format!(
                        "line {lineno}, column {}: '{field}' is not a number",
                        col + 1
                    ));
                }
            };
            if !v.is_finite() {
                return Err(format!(
                    "non-finite value {v} at line {lineno}, column {}",
                    col + 1
                ));
            }
            columns[col].push(v);
        }
    }
    if columns.is_empty() || columns[0].is_empty() {
        return Err("no data (the file has no rows of numbers)".to_string());
    }
    Ok(columns)
}

/// Trims a field and strips one pair of enclosing double quotes.
fn unquote(f: &str) -> &str {
    let f = f.trim();
    f.strip_prefix('"')
        .and_then(|g| g.strip_suffix('"'))
        .unwrap_or(f)
        .trim()
}

/// Fields of a line: split at semicolons if it has any, else at commas if
/// it has any, else at runs of whitespace.
fn split_fields(line: &str) -> Vec<&str> {
    if line.contains(';') {
        line.split(';').map(unquote).collect()
    } else if line.contains(',') {
        line.split(',').map(unquote).collect()
    } else {
        line.split_whitespace().map(unquote).collect()
    }
}

/// The number in a field; `None` for an empty field or a non-number.
fn parse_number(field: &str) -> Option<f64> {
    if field.is_empty() {
        return None;
    }
    field.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use crate::io::test_util::{err_msg, tmp};
    use crate::io::{Input, read_input};
    use std::fs;

    #[test]
    fn csv_variants() {
        let d = tmp();
        let p = d.path().join("a.csv");
        fs::write(&p, "1\n2.5\n-3e-1\n").unwrap();
        assert_eq!(read_input(&p).unwrap(), Input::Signal(vec![1.0, 2.5, -0.3]));

        fs::write(&p, "\u{feff}x,y\r\n1,2\r\n3,4\r\n\r\n5,6\r\n").unwrap();
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Batch(vec![vec![1.0, 3.0, 5.0], vec![2.0, 4.0, 6.0]])
        );

        let p = d.path().join("b.TXT");
        fs::write(&p, "# a b\n1;2\n3 ;4\n").unwrap();
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Batch(vec![vec![1.0, 3.0], vec![2.0, 4.0]])
        );
        fs::write(&p, "  1.0   2.0\t3.0\n4 5 6\n").unwrap();
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Batch(vec![vec![1.0, 4.0], vec![2.0, 5.0], vec![3.0, 6.0]])
        );
        // A single row is one signal.
        fs::write(&p, "1, 2, 3, 4\n").unwrap();
        assert_eq!(read_input(&p).unwrap(), Input::Signal(vec![1.0, 2.0, 3.0, 4.0]));
        // Batch back to an array keeps the CSV layout.
        let b = Input::Batch(vec![vec![1.0, 3.0], vec![2.0, 4.0]]);
        assert_eq!(b.to_array().shape, vec![2, 2]);
        assert_eq!(b.to_array().data, vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn csv_errors() {
        let d = tmp();
        let p = d.path().join("r.csv");
        fs::write(&p, "a,b\n1,2\n3,4\n5\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("line 4 has 1 values, expected 2"), "{m}");
        assert!(m.starts_with(&p.display().to_string()), "{m}");

        fs::write(&p, "").unwrap();
        assert!(err_msg(read_input(&p)).contains("no data"));
        fs::write(&p, "signal\n\n").unwrap();
        assert!(err_msg(read_input(&p)).contains("no data"));

        fs::write(&p, "1\n2\nNaN\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("non-finite") && m.contains("line 3"), "{m}");
        fs::write(&p, "1,2\n2,inf\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("line 2, column 2"), "{m}");

        fs::write(&p, "1,2\n3,x\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("'x' is not a number"), "{m}");
        fs::write(&p, "1,2\n3,\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("empty value"), "{m}");
    }
}
