//! Text tables of numbers (`.csv`, `.txt`), read through the `csv` crate.
//!
//! `csv` does the record syntax: quoting (a delimiter or a doubled quote
//! inside a quoted field), CRLF line ends, blank lines and `#` comment lines.
//! This module keeps what a table of numbers needs around it: the choice of
//! delimiter, a header of column names, equal row widths, finite numbers, and
//! one-line errors that give the line and column as an editor numbers them.
//! Fields are trimmed here rather than by `csv`'s `Trim::All`, which rebuilds
//! every record and made reading five times slower.

/// How the fields of a line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Separator {
    /// One byte (`;` or `,`); an empty field is an error.
    Byte(u8),
    /// Runs of spaces and tabs, as numpy's `savetxt` writes by default.
    Whitespace,
}

/// Lines that carry data: neither blank nor `#` comments.
fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Semicolons if a data line has any (a decimal comma then stays inside its
/// field), else commas if a data line has any, else whitespace.
fn separator(text: &str) -> Separator {
    if data_lines(text).any(|l| l.contains(';')) {
        Separator::Byte(b';')
    } else if data_lines(text).any(|l| l.contains(',')) {
        Separator::Byte(b',')
    } else {
        Separator::Whitespace
    }
}

/// Parses a text table of numbers into columns.
///
/// - Separators: semicolons if any data line has one, else commas if any
///   has one, else runs of whitespace (so `1.5;2` and `1.5, 2` and `1.5 2`
///   all work). With semicolons or commas an empty field is an error.
/// - Blank lines and lines starting with `#` are skipped (numpy's `savetxt`
///   header); a UTF-8 byte-order mark is ignored; fields may be quoted.
/// - The first data line is taken as a header and skipped if any of its
///   fields is not a number.
/// - Every row must have the same number of values (the error gives the line
///   number, counting from 1); at least one row is required ("no data");
///   every value must be finite; at most
///   [`MAX_SAMPLES`](crate::limits::MAX_SAMPLES) values in all.
/// - Decimal commas are never read. `0,123` on a line of its own splits into
///   the integers 0 and 123, so a comma-separated table whose values are all
///   integers (no `.` or exponent anywhere) with two or more columns is
///   refused as ambiguous: the message asks for decimal points, or for `;`,
///   tabs or spaces between integer columns. Under `;` a field such as `1,5`
///   is "not a number (decimal comma?)".
///
/// Returns one vector per column. Errors are one-line messages without the
/// file name (the caller adds it).
pub fn parse_text_table(text: &str) -> Result<Vec<Vec<f64>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Lines bound the rows: each column is allocated once at its final size
    // instead of growing by doubling (up to twice the data at the peak: a
    // 1,000-column batch of 10⁴ rows, 80 MB of values, held 160 MB).
    let mut table = Columns {
        rows_hint: text.bytes().filter(|b| *b == b'\n').count() + 1,
        ..Columns::default()
    };
    let sep = separator(text);
    match sep {
        Separator::Whitespace => {
            for (i, line) in text.lines().enumerate() {
                let fields: Vec<&str> = line.split_whitespace().map(unquote).collect();
                table.push_row(i + 1, &fields)?;
            }
        }
        Separator::Byte(delimiter) => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .has_headers(false)
                .flexible(true)
                .comment(Some(b'#'))
                .from_reader(text.as_bytes());
            let mut record = csv::StringRecord::new();
            let mut lines = LineCounter::new(text.as_bytes());
            loop {
                let start = reader.position().byte() as usize;
                match reader.read_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => return Err(format!("cannot parse the table ({e})")),
                }
                let fields: Vec<&str> = record.iter().map(unquote).collect();
                let ragged = !table.columns.is_empty() && fields.len() != table.columns.len();
                let row = table.push_row(lines.record_line(start), &fields);
                // Decimal commas give rows of 1 and 2 "columns" ("1" and
                // "0,5"): say so rather than report the ragged row.
                if let Err(e) = row {
                    return Err(match table.decimal_comma_suspect(delimiter).filter(|_| ragged) {
                        Some(why) => why,
                        None => e,
                    });
                }
            }
        }
    }
    if let Separator::Byte(d) = sep
        && let Some(why) = table.decimal_comma_suspect(d)
    {
        return Err(why);
    }
    table.finish()
}

/// Line numbers of `csv` records. A record's own position is where `csv`
/// began reading, before the blank and comment lines it skipped; this finds
/// the line the record really starts on.
struct LineCounter<'t> {
    text: &'t [u8],
    /// A byte offset already counted, and the line (from 1) it lies on.
    byte: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            byte: 0,
            line: 1,
        }
    }

    /// The line of the record `csv` began reading at byte `start` (starts
    /// come in increasing order): past line ends and `#` comment lines.
    fn record_line(&mut self, mut start: usize) -> usize {
        loop {
            match self.text.get(start) {
                Some(b'\r' | b'\n') => start += 1,
                Some(b'#') => {
                    start += self.text[start..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(self.text.len() - start, |p| p + 1);
                }
                _ => break,
            }
        }
        let start = start.max(self.byte);
        self.line += self.text[self.byte..start]
            .iter()
            .filter(|&&c| c == b'\n')
            .count();
        self.byte = start;
        self.line
    }
}

/// Trims a field and strips one pair of enclosing double quotes: the quoting
/// of whitespace tables, and of a delimited field after a space (`1, "2"`),
/// which `csv` takes literally since its quote does not open the field.
fn unquote(f: &str) -> &str {
    let f = f.trim();
    f.strip_prefix('"')
        .and_then(|g| g.strip_suffix('"'))
        .unwrap_or(f)
        .trim()
}

/// Columns under construction, with what the checks of later rows need.
#[derive(Debug, Default)]
struct Columns {
    columns: Vec<Vec<f64>>,
    /// Line that fixed the number of columns.
    width_line: usize,
    /// Whether the first data line (a possible header) has been seen.
    seen_first: bool,
    /// Whether any value was written with a decimal point or an exponent.
    fractional: bool,
    /// Values read so far.
    count: usize,
    /// At least the number of rows (the lines of the text).
    rows_hint: usize,
}

impl Columns {
    /// Adds the fields of line `lineno` (counting from 1) as one row; blank
    /// lines, indented comments and a header line are skipped.
    fn push_row(&mut self, lineno: usize, fields: &[&str]) -> Result<(), String> {
        let blank = fields.iter().all(|f| f.is_empty());
        let comment = fields.first().is_some_and(|f| f.starts_with('#'));
        if blank || comment {
            return Ok(());
        }
        let parsed: Vec<Option<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        if !self.seen_first {
            self.seen_first = true;
            if parsed.iter().any(Option::is_none) {
                // A header of column names.
                return Ok(());
            }
        }
        if self.columns.is_empty() {
            let rows = self
                .rows_hint
                .min(crate::limits::MAX_SAMPLES / fields.len().max(1));
            self.columns = (0..fields.len()).map(|_| Vec::with_capacity(rows)).collect();
            self.width_line = lineno;
        } else if fields.len() != self.columns.len() {
            return Err(format!(
                "line {lineno} has {} values, expected {} (as on line {})",
                fields.len(),
                self.columns.len(),
                self.width_line
            ));
        }
        self.count += fields.len();
        if self.count > crate::limits::MAX_SAMPLES {
            return Err(format!(
                "more than {} (2^25) values by line {lineno}: more than this program handles",
                crate::limits::MAX_SAMPLES
            ));
        }
        self.fractional |= fields.iter().any(|f| f.contains(['.', 'e', 'E']));
        for (col, (field, value)) in fields.iter().zip(parsed).enumerate() {
            let v = match value {
                Some(v) => v,
                None if field.is_empty() => {
                    return Err(format!("line {lineno}, column {}: empty value", col + 1));
                }
                None => {
                    let hint = if field.contains(',') {
                        " (decimal commas are not read: write a decimal point)"
                    } else {
                        ""
                    };
                    return Err(format!(
                        "line {lineno}, column {}: '{field}' is not a number{hint}",
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
            self.columns[col].push(v);
        }
        Ok(())
    }

    /// The refusal of a comma-separated table whose values (so far) are all
    /// integers in two or more columns: decimal commas split into columns.
    fn decimal_comma_suspect(&self, delimiter: u8) -> Option<String> {
        (delimiter == b',' && self.columns.len() >= 2 && !self.fractional).then(|| {
            format!(
                "every value is an integer and commas separate {} columns: if these are decimal commas (0,123 for 0.123), write decimal points; if they are integer columns, separate them with ';', tabs or spaces",
                self.columns.len()
            )
        })
    }

    fn finish(self) -> Result<Vec<Vec<f64>>, String> {
        if self.columns.first().is_none_or(Vec::is_empty) {
            return Err("no data (the file has no rows of numbers)".to_string());
        }
        Ok(self.columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_util::{err_msg, tmp};
    use crate::io::{Input, read_input};
    use std::fs;

    #[test]
    fn csv_variants() {
        let d = tmp();
        let p = d.path().join("a.csv");
        fs::write(&p, "1\n2.5\n-3e-1\n").unwrap();
        assert_eq!(read_input(&p).unwrap(), Input::Signal(vec![1.0, 2.5, -0.3]));

        fs::write(&p, "\u{feff}x,y\r\n1.0,2\r\n3,4\r\n\r\n5,6\r\n").unwrap();
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
        fs::write(&p, "1.0, 2, 3, 4\n").unwrap();
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
        fs::write(&p, "a,b\n1.5,2\n3,4\n5\n").unwrap();
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

    #[test]
    fn line_numbers_count_blank_and_comment_lines() {
        let e = parse_text_table("# header\n\n1.5,2\n\n  \n3,4\n5\n").unwrap_err();
        assert_eq!(e, "line 7 has 1 values, expected 2 (as on line 3)");
        let e = parse_text_table("1 2\n\n# c\n3 x\n").unwrap_err();
        assert_eq!(e, "line 4, column 2: 'x' is not a number");
        let e = parse_text_table("\r\n1;2\r\n\r\n3;NaN\r\n").unwrap_err();
        assert_eq!(e, "non-finite value NaN at line 4, column 2");
    }

    #[test]
    fn quoted_fields_and_indented_comments() {
        let t = parse_text_table("\"a,b\",\"c\"\n\"1.5\", \" 2 \"\n  # note, skipped\n3,4\n").unwrap();
        assert_eq!(t, vec![vec![1.5, 3.0], vec![2.0, 4.0]]);
        let t = parse_text_table("\"1\" \"2\"\n3 4\n").unwrap();
        assert_eq!(t, vec![vec![1.0, 3.0], vec![2.0, 4.0]]);
        // Decimal commas inside semicolon-separated fields are not numbers.
        let e = parse_text_table("x;y\n1,5;2,5\n").unwrap_err();
        assert!(e.contains("'1,5' is not a number (decimal commas"), "{e}");
    }

    #[test]
    fn decimal_commas_are_refused_not_split() {
        // One value per line in a decimal-comma locale: read as two integer
        // columns before; now refused with the reason.
        for text in [
            "0,123\n0,456\n1,5\n",
            "signal\n0,123\n-0,5\n",
            "1,2,3\n4,5,6\n",
            "0,5\n1\n0,25\n",
        ] {
            let e = parse_text_table(text).unwrap_err();
            assert!(
                e.contains("decimal commas") && e.contains("integer"),
                "{text:?}: {e}"
            );
        }
        // Commas with decimal points (or exponents) anywhere are columns.
        assert_eq!(
            parse_text_table("0.5,1\n2,3\n").unwrap(),
            vec![vec![0.5, 2.0], vec![1.0, 3.0]]
        );
        assert_eq!(parse_text_table("1e0,2\n3,4\n").unwrap().len(), 2);
        // Integers in one column, or separated otherwise, are fine.
        assert_eq!(parse_text_table("1\n2\n3\n").unwrap(), vec![vec![1.0, 2.0, 3.0]]);
        assert_eq!(parse_text_table("1;2\n3;4\n").unwrap().len(), 2);
        assert_eq!(parse_text_table("1\t2\n3\t4\n").unwrap().len(), 2);
    }
}
