//! What Automerge bytes may cost once loaded, checked before Automerge sees them.
//!
//! Automerge inflates compressed changes and columns without a limit, expands a
//! run-length column's runs row by row (reserving memory for the rows a run claims before
//! reading them), and panics on counters past `u32::MAX`. So a few hundred bytes from a
//! stranger, or from an editor gone rogue, could take every member's tab down at every
//! start. [`check`] walks the bytes as Automerge will read them, without expanding
//! anything: it inflates compressed parts into a budget, counts the rows of every
//! column by its runs, and checks the values Automerge would panic on. Bytes that pass
//! load into at most [`MAX_OPS`] operations from at most [`MAX_INFLATED_BYTES`] of
//! columns. It refuses anything Automerge's writer would not have written (bundles,
//! trailing bytes, truncated runs), so it may refuse some odd but valid data; it never
//! lets through what it did not understand.
//!
//! The format: chunks of `magic (4) | checksum (4) | type (1) | uLEB length | body`, of
//! type 0 (a document: actors, heads, change and operation column metadata and data,
//! head indices), 1 (a change: dependencies, actor, seq, start op, time, message, other
//! actors, operation column metadata and data, extra bytes) or 2 (a change whose body is
//! deflated). A column's specification is `id << 4 | deflated << 3 | type`.

use std::io::Read;

/// The most operations bytes may load into (all chunks together): 200 times the
/// 10,000-operation council of the benchmarks.
pub const MAX_OPS: u64 = 2_000_000;

/// The most bytes compressed parts may inflate to (all chunks together).
pub const MAX_INFLATED_BYTES: usize = 64 << 20;

/// The most rows any column, or all groups' members, may hold.
const MAX_ROWS: u64 = 4 * MAX_OPS;

/// The most changes times actors a document may hold (Automerge keeps a clock of every
/// actor for every 16 changes).
const MAX_CHANGES_X_ACTORS: u128 = 1 << 26;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const U32: i128 = u32::MAX as i128;

/// Why bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unbounded {
    /// Not Automerge data as this build writes it.
    #[error("not Automerge data: {0}")]
    Malformed(&'static str),
    /// Compressed parts inflate past [`MAX_INFLATED_BYTES`].
    #[error("compressed parts inflate past {MAX_INFLATED_BYTES} bytes")]
    Inflates,
    /// More than [`MAX_OPS`] operations, or rows past what they allow.
    #[error("more than {MAX_OPS} operations")]
    TooManyOps,
}

/// What bytes that passed [`check`] load into, at most.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Operations.
    pub ops: u64,
    /// Bytes compressed parts inflated to.
    pub inflated: usize,
}

/// Checks that Automerge `bytes` (documents and changes, one after another) load into a
/// bounded amount of work and memory, and that Automerge can read them without panicking.
pub fn check(bytes: &[u8]) -> Result<Cost, Unbounded> {
    let mut cost = Cost::default();
    let mut input = Reader::new(bytes);
    while !input.is_empty() {
        if input.take(4)? != MAGIC {
            return Err(Unbounded::Malformed("no chunk starts here"));
        }
        input.take(4)?; // checksum: Automerge checks it
        let kind = input.byte()?;
        let length = input.strict_uleb()?;
        let body = input.take(length)?;
        match kind {
            0 => document(body, &mut cost)?,
            1 => change(body, &mut cost)?,
            2 => {
                let inflated = inflate(body, &mut cost)?;
                change(&inflated, &mut cost)?;
            }
            3 => return Err(Unbounded::Malformed("a bundle")),
            _ => return Err(Unbounded::Malformed("an unknown kind of chunk")),
        }
    }
    Ok(cost)
}

/// The chunks `bytes` holds, each whole (header and body), as [`check`] reads them.
pub fn chunks(bytes: &[u8]) -> Result<Vec<&[u8]>, Unbounded> {
    let mut chunks = Vec::new();
    let mut input = Reader::new(bytes);
    while !input.is_empty() {
        let start = input.bytes;
        input.take(8)?; // magic and checksum
        input.byte()?;
        let length = input.strict_uleb()?;
        input.take(length)?;
        chunks.push(&start[..start.len() - input.bytes.len()]);
    }
    Ok(chunks)
}

/// Inflates raw DEFLATE data into what is left of the budget.
fn inflate(data: &[u8], cost: &mut Cost) -> Result<Vec<u8>, Unbounded> {
    let left = MAX_INFLATED_BYTES - cost.inflated;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(left as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| Unbounded::Malformed("compressed data does not inflate"))?;
    if out.len() > left {
        return Err(Unbounded::Inflates);
    }
    cost.inflated += out.len();
    Ok(out)
}

fn add_ops(cost: &mut Cost, ops: u64) -> Result<(), Unbounded> {
    cost.ops = cost
        .ops
        .checked_add(ops)
        .filter(|&total| total <= MAX_OPS)
        .ok_or(Unbounded::TooManyOps)?;
    Ok(())
}

fn change(body: &[u8], cost: &mut Cost) -> Result<(), Unbounded> {
    let mut input = Reader::new(body);
    let deps = input.strict_uleb()?;
    input.take(
        deps.checked_mul(32)
            .ok_or(Unbounded::Malformed("dependencies"))?,
    )?;
    input.prefixed()?; // actor
    input.strict_uleb()?; // seq
    let start_op = i128::from(input.strict_uleb()?);
    if !(1..=U32).contains(&start_op) {
        return Err(Unbounded::Malformed("a change's first operation number"));
    }
    input.strict_sleb()?; // time
    input.prefixed()?; // message
    let actors = 1 + input.prefixed_list()?;
    let specs = columns(&mut input)?;
    if specs.iter().any(|(spec, _)| spec & 8 != 0) {
        return Err(Unbounded::Malformed("a compressed column in a change"));
    }
    let total = specs.iter().map(|(_, len)| *len).sum();
    let data = input.take(total)?;
    // The rest is the change's extra bytes, which Automerge keeps as they are.
    let found = scan(&specs, data)?;
    let ops = found.rows(66);
    add_ops(cost, ops)?;
    if ops > 0 && start_op + i128::from(ops) - 1 > U32 {
        return Err(Unbounded::Malformed(
            "operation numbers past what Automerge counts",
        ));
    }
    for needed in [19, 21, 52, 86, 112] {
        if found.present(needed) && found.rows(needed) < ops {
            return Err(Unbounded::Malformed("a column shorter than the operations"));
        }
    }
    let preds = found.group_sum(112);
    if found.rows(113) < preds || found.rows(115) < preds {
        return Err(Unbounded::Malformed("predecessors missing"));
    }
    found.actors_below(&[1, 17, 113], actors)?;
    found.counters_fit(&[2, 19, 115])?;
    found.values_fit(86, 87)?;
    Ok(())
}

fn document(body: &[u8], cost: &mut Cost) -> Result<(), Unbounded> {
    let mut input = Reader::new(body);
    let actors = input.prefixed_list()?;
    let heads = input.strict_uleb()?;
    input.take(heads.checked_mul(32).ok_or(Unbounded::Malformed("heads"))?)?;
    let change_specs = columns(&mut input)?;
    let op_specs = columns(&mut input)?;
    let change_data = input.take(change_specs.iter().map(|(_, len)| *len).sum())?;
    let op_data = input.take(op_specs.iter().map(|(_, len)| *len).sum())?;
    if !input.is_empty() {
        for _ in 0..heads {
            input.strict_uleb()?;
        }
        if !input.is_empty() {
            return Err(Unbounded::Malformed("bytes after a document"));
        }
    }
    let changes = scan_inflating(&change_specs, change_data, cost)?;
    let ops = scan_inflating(&op_specs, op_data, cost)?;

    let n = ops.rows(33);
    add_ops(cost, n)?;
    for exact in [35, 66, 128, 86] {
        if ops.rows(exact) != n {
            return Err(Unbounded::Malformed(
                "operation columns of different lengths",
            ));
        }
    }
    for optional in [1, 2, 17, 19, 21, 52, 148, 165] {
        if ops.present(optional) && ops.rows(optional) != n {
            return Err(Unbounded::Malformed(
                "operation columns of different lengths",
            ));
        }
    }
    let successors = ops.group_sum(128);
    if ops.rows(129) != successors || ops.rows(131) != successors {
        return Err(Unbounded::Malformed("successors missing"));
    }
    ops.actors_below(&[1, 17, 33, 129], actors)?;
    ops.counters_fit(&[2, 19, 35, 131])?;
    ops.values_fit(86, 87)?;

    let count = changes.rows(1);
    for exact in [3, 19, 64] {
        if changes.rows(exact) != count {
            return Err(Unbounded::Malformed("change columns of different lengths"));
        }
    }
    for optional in [35, 53] {
        if changes.present(optional) && changes.rows(optional) != count {
            return Err(Unbounded::Malformed("change columns of different lengths"));
        }
    }
    if changes.rows(67) < changes.group_sum(64) {
        return Err(Unbounded::Malformed("dependencies missing"));
    }
    changes.actors_below(&[1], actors)?;
    changes.counters_fit(&[3, 19])?;
    // Dependencies name earlier changes of the document by index.
    if let Some((low, high)) = changes.range(67)
        && (low < 0 || high >= i128::from(count))
    {
        return Err(Unbounded::Malformed("a dependency on no change"));
    }
    changes.values_fit(86, 87)?;
    if u128::from(count) * u128::from(actors) > MAX_CHANGES_X_ACTORS {
        return Err(Unbounded::TooManyOps);
    }
    Ok(())
}

/// A list of column specifications and lengths, in Automerge's order.
fn columns(input: &mut Reader) -> Result<Vec<(u64, u64)>, Unbounded> {
    let count = input.strict_uleb()?;
    let mut specs: Vec<(u64, u64)> = Vec::new();
    let mut total: u64 = 0;
    for _ in 0..count {
        let spec = input.strict_uleb()?;
        if spec > u64::from(u32::MAX) {
            return Err(Unbounded::Malformed("a column specification"));
        }
        let len = input.strict_uleb()?;
        total = total
            .checked_add(len)
            .ok_or(Unbounded::Malformed("column lengths"))?;
        if let Some(&(last, _)) = specs.last()
            && (last & !8 > spec & !8 || last == spec)
        {
            return Err(Unbounded::Malformed("columns out of order"));
        }
        specs.push((spec, len));
    }
    Ok(specs)
}

/// Scans a document's columns, inflating the compressed ones into the budget.
fn scan_inflating(
    specs: &[(u64, u64)],
    data: &[u8],
    cost: &mut Cost,
) -> Result<Scanned, Unbounded> {
    let mut plain_specs = Vec::with_capacity(specs.len());
    let mut plain = Vec::new();
    let mut input = Reader::new(data);
    for &(spec, len) in specs {
        let bytes = input.take(len)?;
        if spec & 8 == 0 {
            plain.extend_from_slice(bytes);
            plain_specs.push((spec, len));
        } else {
            // Automerge keeps only the low 4 bits of a compressed column's id.
            if spec >> 4 >= 16 {
                return Err(Unbounded::Malformed(
                    "a compressed column Automerge misreads",
                ));
            }
            let inflated = inflate(bytes, cost)?;
            plain_specs.push((spec & !8, inflated.len() as u64));
            plain.extend_from_slice(&inflated);
        }
    }
    scan(&plain_specs, &plain)
}

/// What the runs of each column add up to, by column specification (without the
/// compression bit).
#[derive(Default)]
struct Scanned {
    columns: Vec<(u64, Column)>,
}

#[derive(Default, Clone, Copy)]
struct Column {
    rows: u64,
    /// Group columns: the sum of their values (rows of the grouped columns); value
    /// metadata: the sum of the lengths (bytes of the raw value column); others: the
    /// largest value.
    sum: u128,
    /// Delta columns: the smallest and largest value reached.
    range: Option<(i128, i128)>,
    /// Raw value columns: their length.
    bytes: u64,
}

impl Scanned {
    fn get(&self, spec: u64) -> Option<&Column> {
        self.columns
            .iter()
            .find(|(s, _)| *s == spec)
            .map(|(_, column)| column)
    }

    fn present(&self, spec: u64) -> bool {
        self.get(spec).is_some_and(|c| c.rows > 0 || c.bytes > 0)
    }

    fn rows(&self, spec: u64) -> u64 {
        self.get(spec).map_or(0, |c| c.rows)
    }

    fn group_sum(&self, spec: u64) -> u64 {
        // Bounded by MAX_ROWS when scanned.
        self.get(spec).map_or(0, |c| c.sum as u64)
    }

    fn range(&self, spec: u64) -> Option<(i128, i128)> {
        self.get(spec).and_then(|c| c.range)
    }

    /// Actor columns hold indexes into the chunk's actors.
    fn actors_below(&self, specs: &[u64], actors: u64) -> Result<(), Unbounded> {
        for &spec in specs {
            if let Some(column) = self.get(spec)
                && column.rows > 0
                && column.sum >= u128::from(actors)
            {
                return Err(Unbounded::Malformed("an actor that is not there"));
            }
        }
        Ok(())
    }

    /// Counters Automerge keeps in 32 bits.
    fn counters_fit(&self, specs: &[u64]) -> Result<(), Unbounded> {
        for &spec in specs {
            let Some(column) = self.get(spec) else {
                continue;
            };
            let fits = match column.range {
                Some((low, high)) => low >= 0 && high <= U32,
                None => column.sum <= U32 as u128,
            };
            if !fits {
                return Err(Unbounded::Malformed("a counter past what Automerge counts"));
            }
        }
        Ok(())
    }

    /// The value metadata's lengths fit in the raw value column.
    fn values_fit(&self, meta: u64, raw: u64) -> Result<(), Unbounded> {
        let lengths = self.get(meta).map_or(0, |c| c.sum);
        let bytes = self.get(raw).map_or(0, |c| c.bytes);
        if lengths > u128::from(bytes) {
            return Err(Unbounded::Malformed("values longer than their column"));
        }
        Ok(())
    }
}

/// Walks every column's runs without expanding them.
fn scan(specs: &[(u64, u64)], data: &[u8]) -> Result<Scanned, Unbounded> {
    let mut scanned = Scanned::default();
    let mut input = Reader::new(data);
    for &(spec, len) in specs {
        let bytes = input.take(len)?;
        let column = match spec & 7 {
            4 => booleans(bytes)?,
            7 => Column {
                bytes: len,
                ..Column::default()
            },
            kind => runs(bytes, kind)?,
        };
        scanned.columns.push((spec & !8, column));
    }
    Ok(scanned)
}

/// A boolean column: counts of alternating runs of false and true.
fn booleans(bytes: &[u8]) -> Result<Column, Unbounded> {
    let mut input = Reader::new(bytes);
    let mut column = Column::default();
    while !input.is_empty() {
        column.rows = add_rows(column.rows, input.uleb()?)?;
    }
    Ok(column)
}

fn add_rows(rows: u64, more: u64) -> Result<u64, Unbounded> {
    rows.checked_add(more)
        .filter(|&total| total <= MAX_ROWS)
        .ok_or(Unbounded::TooManyOps)
}

/// A run-length column of `kind`: 0 group counts, 1 actor indexes, 2 unsigned integers,
/// 3 deltas, 5 strings, 6 value metadata. A run is a signed count: `n > 0` repeats the
/// next value `n` times, `n < 0` is followed by `-n` values, and `0` by a count of nulls.
fn runs(bytes: &[u8], kind: u64) -> Result<Column, Unbounded> {
    let mut input = Reader::new(bytes);
    let mut column = Column::default();
    let mut delta: i128 = 0;
    let mut take = |column: &mut Column, input: &mut Reader, times: u64| -> Result<(), Unbounded> {
        match kind {
            3 => {
                let step = i128::from(input.sleb()?);
                let times = i128::from(times);
                let first = delta + step;
                delta += step * times;
                let (low, high) = (first.min(delta), first.max(delta));
                column.range = Some(match column.range {
                    Some((l, h)) => (l.min(low), h.max(high)),
                    None => (low, high),
                });
            }
            5 => {
                let len = input.uleb()?;
                input.take(len)?;
            }
            _ => {
                let value = u128::from(input.uleb()?);
                column.sum = if kind == 0 || kind == 6 {
                    let value = if kind == 6 { value >> 4 } else { value };
                    let sum = column.sum + value * u128::from(times);
                    if kind == 0 && sum > u128::from(MAX_ROWS) {
                        return Err(Unbounded::TooManyOps);
                    }
                    sum
                } else {
                    column.sum.max(value)
                };
            }
        }
        Ok(())
    };
    while !input.is_empty() {
        let count = input.sleb()?;
        if count > 0 {
            let times = count.unsigned_abs();
            column.rows = add_rows(column.rows, times)?;
            take(&mut column, &mut input, times)?;
        } else if count < 0 {
            let values = count.unsigned_abs();
            column.rows = add_rows(column.rows, values)?;
            // Each value takes at least one byte, so this ends with the input.
            for _ in 0..values {
                take(&mut column, &mut input, 1)?;
            }
        } else {
            let nulls = input.uleb()?;
            column.rows = add_rows(column.rows, nulls)?;
        }
    }
    Ok(column)
}

/// Reads Automerge's integers and byte strings, refusing what runs past the end.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], Unbounded> {
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.bytes.len())
            .ok_or(Unbounded::Malformed("cut short"))?;
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8, Unbounded> {
        Ok(self.take(1)?[0])
    }

    /// An unsigned LEB128 of at most 10 bytes that fits in 64 bits.
    fn uleb(&mut self) -> Result<u64, Unbounded> {
        let mut value: u64 = 0;
        for n in 0..10 {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if n == 9 && bits > 1 {
                return Err(Unbounded::Malformed("an integer past 64 bits"));
            }
            value |= bits << (7 * n);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Unbounded::Malformed("an integer past 64 bits"))
    }

    /// A signed LEB128 of at most 10 bytes that fits in 64 bits.
    fn sleb(&mut self) -> Result<i64, Unbounded> {
        let mut value: i128 = 0;
        for n in 0..10 {
            let byte = self.byte()?;
            value |= i128::from(byte & 0x7f) << (7 * n);
            if byte & 0x80 == 0 {
                if byte & 0x40 != 0 {
                    value -= 1 << (7 * (n + 1));
                }
                return i64::try_from(value)
                    .map_err(|_| Unbounded::Malformed("an integer past 64 bits"));
            }
        }
        Err(Unbounded::Malformed("an integer past 64 bits"))
    }

    /// As Automerge reads a chunk's own fields: no needless trailing zero bytes.
    fn strict_uleb(&mut self) -> Result<u64, Unbounded> {
        let before = self.bytes;
        let value = self.uleb()?;
        let used = before.len() - self.bytes.len();
        if used > 1 && before[used - 1] == 0 {
            return Err(Unbounded::Malformed("an integer written too long"));
        }
        Ok(value)
    }

    fn strict_sleb(&mut self) -> Result<i64, Unbounded> {
        self.sleb()
    }

    /// A length-prefixed byte string.
    fn prefixed(&mut self) -> Result<&'a [u8], Unbounded> {
        let len = self.strict_uleb()?;
        self.take(len)
    }

    /// A count of length-prefixed byte strings, and them; the count.
    fn prefixed_list(&mut self) -> Result<u64, Unbounded> {
        let count = self.strict_uleb()?;
        for _ in 0..count {
            self.prefixed()?;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;

    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
    use proptest::prelude::*;

    use super::*;

    fn uleb(mut value: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn sleb(mut value: i64, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0) {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn chunk(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[0; 4]);
        out.push(kind);
        uleb(body.len() as u64, &mut out);
        out.extend_from_slice(body);
        out
    }

    /// A change's body with `start_op` and these columns.
    fn change_body(start_op: u64, columns: &[(u64, Vec<u8>)]) -> Vec<u8> {
        let mut body = vec![0]; // no dependencies
        body.extend_from_slice(&[1, 0xaa]); // actor
        body.push(1); // seq
        uleb(start_op, &mut body);
        body.push(0); // time
        body.push(0); // no message
        body.push(0); // no other actors
        uleb(columns.len() as u64, &mut body);
        for (spec, data) in columns {
            uleb(*spec, &mut body);
            uleb(data.len() as u64, &mut body);
        }
        for (_, data) in columns {
            body.extend_from_slice(data);
        }
        body
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// A document with some of everything: text, a list, a map, counters, deletions,
    /// several actors, and enough of it that Automerge compresses columns.
    fn busy_document(edits: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "vision", ObjType::Text).unwrap();
        let list = doc.put_object(ROOT, "actions", ObjType::List).unwrap();
        doc.commit();
        let mut other = doc.fork();
        for n in 0..edits {
            let at = doc.length(&text).min(n % 7);
            doc.splice_text(&text, at, 0, "landsbyen ").unwrap();
            doc.insert(&list, 0, format!("handling {n}")).unwrap();
            doc.put(ROOT, format!("k{}", n % 5), n as i64).unwrap();
            if n % 3 == 0 && doc.length(&list) > 1 {
                doc.delete(&list, 1).unwrap();
            }
            doc.commit();
            other.put(ROOT, "other", n as u64).unwrap();
            other.commit();
        }
        doc.merge(&mut other).unwrap();
        doc
    }

    #[test]
    fn what_automerge_writes_passes_and_counts_its_operations() {
        let mut doc = busy_document(300);
        let saved = doc.save();
        let cost = check(&saved).unwrap();
        assert_eq!(cost.ops, doc.stats().num_ops);
        assert!(cost.inflated > 0, "the document has compressed columns");
        // Changes, one after another, some compressed (large ones are).
        let mut changes = Vec::new();
        let mut big = AutoCommit::new();
        big.put(ROOT, "long", "x".repeat(5_000)).unwrap();
        big.commit();
        for change in doc.get_changes(&[]).into_iter().chain(big.get_changes(&[])) {
            // As another implementation may send them: compressed when large.
            changes.extend_from_slice(&change.clone().bytes());
        }
        let cost = check(&changes).unwrap();
        assert!(cost.inflated > 0, "a compressed change was inflated");
        // A snapshot followed by chunks, as the device stores a space.
        let mut stored = saved;
        stored.extend_from_slice(&changes);
        check(&stored).unwrap();
        assert_eq!(check(&[]).unwrap(), Cost::default());
    }

    #[test]
    fn a_compressed_change_that_inflates_a_thousandfold_is_refused() {
        let bomb = chunk(2, &deflate(&vec![0; MAX_INFLATED_BYTES + 1]));
        assert!(
            bomb.len() < MAX_INFLATED_BYTES / 500,
            "{} bytes",
            bomb.len()
        );
        assert_eq!(check(&bomb), Err(Unbounded::Inflates));
        // Many smaller ones (valid changes with long extra bytes) share one budget.
        let mut padded = change_body(1, &[]);
        padded.resize(MAX_INFLATED_BYTES / 4 + 1, 0);
        let part = chunk(2, &deflate(&padded));
        assert!(check(&part).is_ok());
        assert_eq!(check(&part.repeat(4)), Err(Unbounded::Inflates));
    }

    #[test]
    fn a_compressed_column_that_inflates_past_the_budget_is_refused() {
        let mut body = vec![1, 1, 0xaa, 0]; // one actor, no heads
        body.push(0); // no change columns
        body.push(1); // one operation column: id actor, compressed
        let data = deflate(&vec![0x7f; MAX_INFLATED_BYTES + 1]);
        uleb(33 | 8, &mut body);
        uleb(data.len() as u64, &mut body);
        body.extend_from_slice(&data);
        assert_eq!(check(&chunk(0, &body)), Err(Unbounded::Inflates));
    }

    #[test]
    fn a_run_that_claims_more_operations_than_the_limit_is_refused() {
        // One run of 2^40 actions, in a few bytes.
        let mut action = Vec::new();
        sleb(1 << 40, &mut action);
        uleb(1, &mut action);
        let bomb = chunk(1, &change_body(1, &[(66, action)]));
        assert!(bomb.len() < 64);
        assert_eq!(check(&bomb), Err(Unbounded::TooManyOps));
        // Just under the limit per column, but more than MAX_OPS altogether.
        let mut half = Vec::new();
        sleb(MAX_OPS as i64 / 2 + 1, &mut half);
        uleb(1, &mut half);
        let chunk = chunk(1, &change_body(1, &[(66, half)]));
        assert!(check(&chunk).is_ok());
        assert_eq!(check(&chunk.repeat(2)), Err(Unbounded::TooManyOps));
        // A group (predecessors) that claims 2^34 members for one operation.
        let mut preds = Vec::new();
        sleb(1, &mut preds);
        uleb(1 << 34, &mut preds);
        let mut one = Vec::new();
        sleb(1, &mut one);
        uleb(1, &mut one);
        let bomb = change_body(1, &[(66, one), (112, preds)]);
        assert_eq!(check(&chunk_of(bomb)), Err(Unbounded::TooManyOps));
    }

    fn chunk_of(body: Vec<u8>) -> Vec<u8> {
        chunk(1, &body)
    }

    #[test]
    fn numbers_automerge_would_panic_on_are_refused() {
        let mut two = Vec::new();
        sleb(2, &mut two);
        uleb(1, &mut two);
        // Two operations from the last number Automerge counts.
        let past = chunk(1, &change_body(u64::from(u32::MAX), &[(66, two.clone())]));
        assert!(matches!(check(&past), Err(Unbounded::Malformed(_))));
        assert!(
            check(&chunk(
                1,
                &change_body(u64::from(u32::MAX) - 1, &[(66, two)])
            ))
            .is_ok()
        );
        // An object counter past 32 bits.
        let mut counter = Vec::new();
        sleb(1, &mut counter);
        uleb(1 << 33, &mut counter);
        let mut one = Vec::new();
        sleb(1, &mut one);
        uleb(1, &mut one);
        let body = change_body(1, &[(2, counter), (66, one.clone())]);
        assert!(matches!(
            check(&chunk(1, &body)),
            Err(Unbounded::Malformed(_))
        ));
        // An actor index the change does not have.
        let mut actor = Vec::new();
        sleb(1, &mut actor);
        uleb(3, &mut actor);
        let body = change_body(1, &[(1, actor), (66, one)]);
        assert!(matches!(
            check(&chunk(1, &body)),
            Err(Unbounded::Malformed(_))
        ));
        // The literal run Automerge cannot negate.
        let mut min = Vec::new();
        sleb(i64::MIN, &mut min);
        let body = change_body(1, &[(66, min)]);
        assert!(check(&chunk(1, &body)).is_err());
    }

    #[test]
    fn what_is_not_a_chunk_as_automerge_writes_it_is_refused() {
        let mut doc = busy_document(5);
        let saved = doc.save();
        let mut trailing = saved.clone();
        trailing.extend_from_slice(b"and then some");
        assert!(matches!(check(&trailing), Err(Unbounded::Malformed(_))));
        assert!(matches!(
            check(b"no automerge here"),
            Err(Unbounded::Malformed(_))
        ));
        assert!(matches!(
            check(&saved[..saved.len() - 1]),
            Err(Unbounded::Malformed(_))
        ));
        let bundle = chunk(3, &[0, 0, 0, 0]);
        assert_eq!(check(&bundle), Err(Unbounded::Malformed("a bundle")));
    }

    /// One byte of `bytes` changed, or cut short, or a byte inserted.
    fn mutated(bytes: &[u8], at: usize, byte: u8, how: u8) -> Vec<u8> {
        let mut out = bytes.to_vec();
        let at = at % out.len().max(1);
        match how % 3 {
            0 => out[at] = byte,
            1 => out.truncate(at),
            _ => out.insert(at, byte),
        }
        out
    }

    proptest! {
        // 2,000 cases, whatever the test command asks of the merge properties: the
        // `space` fuzz target runs far more (scripts/fuzz).
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Whatever the bytes, the check ends without panicking; and whatever it lets
        /// through, Automerge reads without panicking (it may still refuse it).
        #[test]
        fn damaged_automerge_data_never_gets_past_the_check_into_a_panic(
            edits in 1..40usize,
            at in any::<usize>(),
            byte in any::<u8>(),
            how in any::<u8>(),
            as_changes in any::<bool>(),
        ) {
            let mut doc = busy_document(edits);
            let bytes = if as_changes {
                doc.get_changes(&[]).iter().flat_map(|c| c.raw_bytes().to_vec()).collect()
            } else {
                doc.save()
            };
            let bytes = mutated(&bytes, at, byte, how);
            if check(&bytes).is_ok() {
                let loaded = std::panic::catch_unwind(|| {
                    let _ = AutoCommit::load(&bytes);
                    let mut other = busy_document(1);
                    let _ = other.load_incremental(&bytes);
                });
                prop_assert!(loaded.is_ok(), "Automerge panicked on bytes that passed");
            }
        }

        #[test]
        fn any_bytes_are_checked_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = check(&bytes);
            let mut chunked = chunk(1, &bytes);
            chunked.extend_from_slice(&chunk(0, &bytes));
            let _ = check(&chunked);
        }
    }
}
