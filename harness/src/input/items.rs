//! A suite's items held column by column (issue 15): ids and every text column in one string
//! arena each, labels as `u16` indices into the label set, the optional columns (text, audio,
//! speaker) only when the items table has them, the rows' origins as one `u32` each, and the
//! position of every id in a hash table of `u32` positions.
//!
//! About 30 bytes per item for a suite of `id,label` (against ~180 for one struct per item with
//! a heap `String` id and a `HashMap<&str, usize>` beside it). [`ItemRef`] is the view of one
//! item that the rest of tonebench reads.

use std::hash::BuildHasher;
use std::path::Path;

use super::table::RowRef;

/// Cells of one text column, in one buffer: cell `i` is `buf[ends[i - 1]..ends[i]]`. An empty
/// cell stands for a missing one (tables read empty cells as missing).
#[derive(Clone, Default)]
pub struct Strings {
    buf: String,
    ends: Vec<u32>,
}

/// A column whose cells add up to more than `u32::MAX` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong;

impl Strings {
    pub fn with_capacity(cells: usize, bytes: usize) -> Strings {
        Strings {
            buf: String::with_capacity(bytes),
            ends: Vec::with_capacity(cells),
        }
    }

    /// Appends a cell (`None` and `""` are the same: missing).
    pub fn push(&mut self, cell: Option<&str>) -> Result<(), TooLong> {
        self.buf.push_str(cell.unwrap_or(""));
        let end = u32::try_from(self.buf.len()).map_err(|_| TooLong)?;
        self.ends.push(end);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `i` as written (`""` when missing).
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }

    /// Cell `i`, `None` when missing.
    pub fn opt(&self, i: usize) -> Option<&str> {
        Some(self.get(i)).filter(|s| !s.is_empty())
    }

    /// The cells at `rows`, in that order.
    pub fn select(&self, rows: &[u32]) -> Strings {
        let bytes = rows.iter().map(|&r| self.get(r as usize).len()).sum();
        let mut out = Strings::with_capacity(rows.len(), bytes);
        for &r in rows {
            // The selection is no longer than the whole column: it cannot overflow.
            let _ = out.push(Some(self.get(r as usize)));
        }
        out
    }

    /// Bytes held (buffers' capacity).
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity() + 4 * self.ends.capacity()
    }
}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.get(i)))
            .finish()
    }
}

const EMPTY: u32 = u32::MAX;

/// Positions of the distinct ids of a [`Strings`] column: open addressing over `u32` slots
/// (load at most one half), hashed with a per-process random key.
#[derive(Clone, Default)]
pub struct IdIndex {
    slots: Vec<u32>,
    /// Slots in use.
    used: usize,
    hasher: std::collections::hash_map::RandomState,
}

impl IdIndex {
    fn with_capacity(n: usize) -> IdIndex {
        let size = (2 * n).next_power_of_two().max(16);
        IdIndex {
            slots: vec![EMPTY; size],
            used: 0,
            hasher: Default::default(),
        }
    }

    /// Adds row `row` of `ids`, whose id the index does not hold yet, doubling the table first
    /// when that would load it more than one half.
    pub fn insert(&mut self, ids: &Strings, row: usize) {
        if 2 * (self.used + 1) > self.slots.len() {
            let mut grown = IdIndex {
                slots: vec![EMPTY; (2 * self.slots.len()).max(16)],
                used: 0,
                hasher: self.hasher.clone(),
            };
            for &p in self.slots.iter().filter(|&&p| p != EMPTY) {
                let (s, _) = grown.slot_of(ids, ids.get(p as usize));
                grown.slots[s] = p;
                grown.used += 1;
            }
            *self = grown;
        }
        let (s, held) = self.slot_of(ids, ids.get(row));
        debug_assert!(held.is_none(), "row {row}'s id is indexed already");
        self.slots[s] = row as u32;
        self.used += 1;
    }

    fn slot_of(&self, ids: &Strings, id: &str) -> (usize, Option<usize>) {
        let mask = self.slots.len() - 1;
        let mut s = self.hasher.hash_one(id) as usize & mask;
        loop {
            match self.slots[s] {
                EMPTY => return (s, None),
                p if ids.get(p as usize) == id => return (s, Some(p as usize)),
                _ => s = (s + 1) & mask,
            }
        }
    }

    /// The index of `ids`, and for every cell the position of the first cell with the same id
    /// (itself when it is the first; missing cells are their own first).
    pub fn build(ids: &Strings) -> (IdIndex, Vec<u32>) {
        let mut index = IdIndex::with_capacity(ids.len());
        let mut first = Vec::with_capacity(ids.len());
        for row in 0..ids.len() {
            let id = ids.get(row);
            if id.is_empty() {
                first.push(row as u32);
                continue;
            }
            match index.slot_of(ids, id) {
                (_, Some(p)) => first.push(p as u32),
                (s, None) => {
                    index.slots[s] = row as u32;
                    index.used += 1;
                    first.push(row as u32);
                }
            }
        }
        (index, first)
    }

    /// The position of `id` in `ids` (the column the index was built on).
    pub fn get(&self, ids: &Strings, id: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.slot_of(ids, id).1
    }

    pub fn heap_bytes(&self) -> usize {
        4 * self.slots.capacity()
    }
}

/// Where each row or item was written: its line (CSV, TSV, JSON lines) or row (Parquet), one
/// `u32` each (`at: None`: the rows in order, numbered from 0).
#[derive(Debug, Clone, Default)]
pub struct Origins {
    /// `true`: lines; `false`: rows.
    lines: bool,
    at: Option<Vec<u32>>,
}

impl Origins {
    /// Rows numbered from 0 in order, held as nothing.
    pub fn numbered() -> Origins {
        Origins {
            lines: false,
            at: None,
        }
    }

    /// `refs`, compactly. A line past `u32::MAX` (a file of 8 GB and more) falls back to row
    /// numbers rather than naming a wrong line.
    pub fn from_refs(refs: &[RowRef]) -> Origins {
        let lines = refs.iter().all(|r| matches!(r, RowRef::Line(_)));
        let rows = refs.iter().all(|r| matches!(r, RowRef::Row(_)));
        let at: Option<Vec<u32>> = refs
            .iter()
            .map(|r| match *r {
                RowRef::Line(n) | RowRef::Row(n) => u32::try_from(n).ok(),
            })
            .collect();
        match at {
            Some(at) if lines || rows => Origins {
                lines: lines && !refs.is_empty(),
                at: Some(at),
            },
            _ => Origins::numbered(),
        }
    }

    pub fn get(&self, i: usize) -> RowRef {
        match &self.at {
            Some(at) if self.lines => RowRef::Line(at[i] as usize),
            Some(at) => RowRef::Row(at[i] as usize),
            None => RowRef::Row(i),
        }
    }

    /// The origins of `rows`, in that order.
    pub fn select(&self, rows: &[u32]) -> Origins {
        Origins {
            lines: self.lines,
            at: Some(match &self.at {
                Some(at) => rows.iter().map(|&r| at[r as usize]).collect(),
                None => rows.to_vec(),
            }),
        }
    }

    /// How many origins are held (`None`: numbered, any number).
    pub fn held(&self) -> Option<usize> {
        self.at.as_ref().map(Vec::len)
    }

    pub fn heap_bytes(&self) -> usize {
        self.at.as_ref().map_or(0, |a| 4 * a.capacity())
    }
}

/// The items of a suite, column by column (see the module documentation).
#[derive(Clone, Default)]
pub struct Items {
    ids: Strings,
    labels: Vec<u16>,
    text: Option<Strings>,
    /// Resolved against the suite's audio root.
    audio: Option<Strings>,
    speaker: Option<Strings>,
    /// One column per [`crate::input::suite::Suite::metadata_columns`].
    meta: Vec<Strings>,
    origins: Origins,
    index: IdIndex,
}

/// The columns of [`Items`] before they are indexed: every cell of the kept rows, in order.
#[derive(Default)]
pub struct Columns {
    pub ids: Strings,
    pub labels: Vec<u16>,
    pub text: Option<Strings>,
    pub audio: Option<Strings>,
    pub speaker: Option<Strings>,
    pub meta: Vec<Strings>,
    pub origins: Origins,
}

impl Items {
    /// Items from columns of equal length whose ids are distinct and non-empty, with the index
    /// of those ids when it has been built already (`index` must have been built on `c.ids`).
    pub fn new(c: Columns, index: Option<IdIndex>) -> Items {
        let index = index.unwrap_or_else(|| IdIndex::build(&c.ids).0);
        Items {
            ids: c.ids,
            labels: c.labels,
            text: c.text,
            audio: c.audio,
            speaker: c.speaker,
            meta: c.meta,
            origins: c.origins,
            index,
        }
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Item `i`. Panics when out of range, as indexing does.
    pub fn get(&self, i: usize) -> ItemRef<'_> {
        assert!(i < self.len(), "item {i} of {}", self.len());
        ItemRef { items: self, i }
    }

    pub fn iter(&self) -> ItemIter<'_> {
        ItemIter {
            items: self,
            range: 0..self.len(),
        }
    }

    /// The items at positions `range`.
    pub fn range(&self, range: std::ops::Range<usize>) -> ItemIter<'_> {
        assert!(range.end <= self.len());
        ItemIter { items: self, range }
    }

    pub fn id(&self, i: usize) -> &str {
        self.ids.get(i)
    }

    pub fn label(&self, i: usize) -> usize {
        self.labels[i] as usize
    }

    /// The position of the item with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(&self.ids, id)
    }

    /// Keeps the items that `keep` accepts, in order (a shard of the suite).
    pub fn retain(&mut self, mut keep: impl FnMut(ItemRef<'_>) -> bool) {
        let rows: Vec<u32> = (0..self.len())
            .filter(|&i| keep(self.get(i)))
            .map(|i| i as u32)
            .collect();
        if rows.len() == self.len() {
            return;
        }
        let pick = |c: &Option<Strings>| c.as_ref().map(|c| c.select(&rows));
        let columns = Columns {
            ids: self.ids.select(&rows),
            labels: rows.iter().map(|&r| self.labels[r as usize]).collect(),
            text: pick(&self.text),
            audio: pick(&self.audio),
            speaker: pick(&self.speaker),
            meta: self.meta.iter().map(|c| c.select(&rows)).collect(),
            origins: self.origins.select(&rows),
        };
        *self = Items::new(columns, None);
    }

    /// Whether the items table has an audio column.
    pub fn has_audio_column(&self) -> bool {
        self.audio.is_some()
    }

    /// Bytes held by the columns and the index (capacity), for the memory figures.
    pub fn heap_bytes(&self) -> usize {
        let opt = |s: &Option<Strings>| s.as_ref().map_or(0, Strings::heap_bytes);
        self.ids.heap_bytes()
            + 2 * self.labels.capacity()
            + opt(&self.text)
            + opt(&self.audio)
            + opt(&self.speaker)
            + self.meta.iter().map(Strings::heap_bytes).sum::<usize>()
            + self.origins.heap_bytes()
            + self.index.heap_bytes()
    }
}

impl std::fmt::Debug for Items {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Items {
    type Item = ItemRef<'a>;
    type IntoIter = ItemIter<'a>;
    fn into_iter(self) -> ItemIter<'a> {
        self.iter()
    }
}

/// The items in order.
#[derive(Clone)]
pub struct ItemIter<'a> {
    items: &'a Items,
    range: std::ops::Range<usize>,
}

impl<'a> Iterator for ItemIter<'a> {
    type Item = ItemRef<'a>;
    fn next(&mut self) -> Option<ItemRef<'a>> {
        let i = self.range.next()?;
        Some(ItemRef {
            items: self.items,
            i,
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
    fn nth(&mut self, n: usize) -> Option<ItemRef<'a>> {
        let i = self.range.nth(n)?;
        Some(ItemRef {
            items: self.items,
            i,
        })
    }
}

impl DoubleEndedIterator for ItemIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let i = self.range.next_back()?;
        Some(ItemRef {
            items: self.items,
            i,
        })
    }
}

impl ExactSizeIterator for ItemIter<'_> {}

/// One item of a suite.
#[derive(Clone, Copy)]
pub struct ItemRef<'a> {
    items: &'a Items,
    i: usize,
}

impl<'a> ItemRef<'a> {
    /// The item's position in the suite.
    pub fn index(&self) -> usize {
        self.i
    }

    pub fn id(&self) -> &'a str {
        self.items.ids.get(self.i)
    }

    /// Index into the suite's label set.
    pub fn label(&self) -> usize {
        self.items.labels[self.i] as usize
    }

    pub fn text(&self) -> Option<&'a str> {
        self.items.text.as_ref()?.opt(self.i)
    }

    /// The audio file, resolved against `audio-root` (or the suite folder).
    pub fn audio(&self) -> Option<&'a Path> {
        self.items.audio.as_ref()?.opt(self.i).map(Path::new)
    }

    pub fn speaker(&self) -> Option<&'a str> {
        self.items.speaker.as_ref()?.opt(self.i)
    }

    /// The value of metadata column `c` ([`crate::input::suite::Suite::metadata_columns`]).
    pub fn meta(&self, c: usize) -> Option<&'a str> {
        self.items.meta[c].opt(self.i)
    }

    /// Every metadata value, in [`crate::input::suite::Suite::metadata_columns`] order.
    pub fn metas(&self) -> impl Iterator<Item = Option<&'a str>> + 'a {
        let (items, i) = (self.items, self.i);
        items.meta.iter().map(move |c| c.opt(i))
    }

    /// Where the item was written: a line for CSV/TSV/JSONL, a row for Parquet.
    pub fn origin(&self) -> RowRef {
        self.items.origins.get(self.i)
    }
}

impl std::fmt::Debug for ItemRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Item")
            .field("id", &self.id())
            .field("label", &self.label())
            .field("text", &self.text())
            .field("audio", &self.audio())
            .field("speaker", &self.speaker())
            .field("meta", &self.metas().collect::<Vec<_>>())
            .field("origin", &self.origin())
            .finish()
    }
}

impl PartialEq for ItemRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
            && self.label() == other.label()
            && self.text() == other.text()
            && self.audio() == other.audio()
            && self.speaker() == other.speaker()
            && self.metas().eq(other.metas())
            && self.origin() == other.origin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Strings {
        let mut s = Strings::default();
        for c in cells {
            s.push(Some(c)).unwrap();
        }
        s
    }

    #[test]
    fn cells_come_back_as_written_and_empty_is_missing() {
        let s = strings(&["a", "", "ccc", "dé"]);
        assert_eq!(
            (0..4).map(|i| s.get(i)).collect::<Vec<_>>(),
            ["a", "", "ccc", "dé"]
        );
        assert_eq!(s.opt(1), None);
        assert_eq!(s.opt(3), Some("dé"));
        assert_eq!(s.select(&[3, 0]).get(0), "dé");
    }

    #[test]
    fn the_index_finds_every_id_and_the_first_of_duplicates() {
        let ids = strings(&["x", "y", "", "x", "z", "y"]);
        let (index, first) = IdIndex::build(&ids);
        assert_eq!(first, [0, 1, 2, 0, 4, 1]);
        assert_eq!(index.get(&ids, "x"), Some(0));
        assert_eq!(index.get(&ids, "z"), Some(4));
        assert_eq!(index.get(&ids, "w"), None);
        assert_eq!(index.get(&ids, ""), None);
        let many = strings(
            &(0..5000)
                .map(|i| format!("id-{i}"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        let (index, first) = IdIndex::build(&many);
        assert!(first.iter().enumerate().all(|(i, &f)| f as usize == i));
        assert!((0..5000).all(|i| index.get(&many, &format!("id-{i}")) == Some(i)));
    }

    #[test]
    fn an_item_reads_its_columns() {
        let items = Items::new(
            Columns {
                ids: strings(&["a", "b"]),
                labels: vec![2, 0],
                text: Some(strings(&["hello", ""])),
                audio: None,
                speaker: Some(strings(&["s1", "s2"])),
                meta: vec![strings(&["f", ""])],
                origins: Origins::from_refs(&[RowRef::Line(2), RowRef::Line(4)]),
            },
            None,
        );
        let b = items.get(1);
        assert_eq!(
            (b.id(), b.label(), b.text(), b.audio()),
            ("b", 0, None, None)
        );
        assert_eq!(
            (b.speaker(), b.meta(0), b.origin()),
            (Some("s2"), None, RowRef::Line(4))
        );
        assert_eq!(items.get(0).text(), Some("hello"));
        assert_eq!(items.position("b"), Some(1));
        assert_eq!(items.iter().map(|i| i.id()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(items.range(1..2).next().unwrap(), b);
    }
}
