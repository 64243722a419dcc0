//! What the journal knows of each item, held compactly (issue 15: `run`'s memory must not grow
//! with the items beyond their predictions' own size). A `HashMap<String, (Vec<f32>, f64)>`
//! costs about 130 bytes per prediction of three probabilities — two heap blocks and a hash
//! slot of 56 bytes; here the ids are one arena with a `u32` index ([`IdMap`], the suite's own
//! [`Strings`] and [`IdIndex`]) and the probabilities one `f32` buffer ([`Preds`]): about 50.
//!
//! Iteration follows the order in which ids were first inserted, so it does not change from
//! run to run.

use crate::input::items::{IdIndex, Strings, TooLong};

/// Values by id, in the order ids were first inserted. A removed id keeps its slot (empty), and
/// inserting it again fills that slot.
#[derive(Clone)]
pub struct IdMap<V> {
    ids: Strings,
    index: IdIndex,
    values: Vec<Option<V>>,
    live: usize,
}

impl<V> IdMap<V> {
    pub fn new() -> Self {
        IdMap {
            ids: Strings::default(),
            index: IdIndex::default(),
            values: Vec::new(),
            live: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn slot(&self, id: &str) -> Option<usize> {
        self.index.get(&self.ids, id)
    }

    pub fn get(&self, id: &str) -> Option<&V> {
        self.slot(id).and_then(|s| self.values[s].as_ref())
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Sets `id`'s value, returning the one it replaces. `Err` when the ids would pass 4 GiB.
    pub fn insert(&mut self, id: &str, value: V) -> Result<Option<V>, TooLong> {
        let slot = match self.slot(id) {
            Some(s) => s,
            None => {
                self.ids.push(Some(id))?;
                self.values.push(None);
                let s = self.values.len() - 1;
                self.index.insert(&self.ids, s);
                s
            }
        };
        let was = self.values[slot].replace(value);
        self.live += usize::from(was.is_none());
        Ok(was)
    }

    pub fn remove(&mut self, id: &str) -> Option<V> {
        let was = self.slot(id).and_then(|s| self.values[s].take());
        self.live -= usize::from(was.is_some());
        was
    }

    /// Empties the map, freeing what it held.
    pub fn clear(&mut self) {
        *self = IdMap::new();
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> + '_ {
        self.values
            .iter()
            .enumerate()
            .filter_map(|(s, v)| v.as_ref().map(|v| (self.ids.get(s), v)))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(|(id, _)| id)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// Moves every entry of `other` in, replacing values of ids held in both.
    pub fn extend(&mut self, other: IdMap<V>) -> Result<(), TooLong> {
        let IdMap { ids, values, .. } = other;
        for (s, v) in values.into_iter().enumerate() {
            if let Some(v) = v {
                self.insert(ids.get(s), v)?;
            }
        }
        Ok(())
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.ids.heap_bytes()
            + self.index.heap_bytes()
            + self.values.capacity() * std::mem::size_of::<Option<V>>()
    }
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap::new()
    }
}

/// `map[id]`: the value of an id known to be held (as `HashMap`'s index, it panics otherwise).
impl<V> std::ops::Index<&str> for IdMap<V> {
    type Output = V;

    fn index(&self, id: &str) -> &V {
        self.get(id).expect("an id the map holds")
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for IdMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Where one prediction's probabilities lie in [`Preds`]' buffer, and its latency.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
    latency_ms: f64,
}

/// Predictions by id: probabilities in one buffer, a latency each. Replacing or removing a
/// prediction leaves its old probabilities in the buffer (a resume redoes at most a few
/// batches).
#[derive(Clone, Default)]
pub struct Preds {
    spans: IdMap<Span>,
    probs: Vec<f32>,
}

impl Preds {
    pub fn new() -> Self {
        Preds::default()
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn view(&self, s: &Span) -> (&[f32], f64) {
        let start = s.start as usize;
        (&self.probs[start..start + s.len as usize], s.latency_ms)
    }

    /// `id`'s probabilities and latency in milliseconds.
    pub fn get(&self, id: &str) -> Option<(&[f32], f64)> {
        self.spans.get(id).map(|s| self.view(s))
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.spans.contains_key(id)
    }

    /// Records `id`'s prediction. `Err` when the ids or probabilities would pass 4 Gi.
    pub fn insert(&mut self, id: &str, probs: &[f32], latency_ms: f64) -> Result<(), TooLong> {
        let start = u32::try_from(self.probs.len()).map_err(|_| TooLong)?;
        let len = u32::try_from(probs.len()).map_err(|_| TooLong)?;
        start.checked_add(len).ok_or(TooLong)?;
        self.spans.insert(
            id,
            Span {
                start,
                len,
                latency_ms,
            },
        )?;
        self.probs.extend_from_slice(probs);
        Ok(())
    }

    /// Forgets `id`'s prediction; whether there was one.
    pub fn remove(&mut self, id: &str) -> bool {
        self.spans.remove(id).is_some()
    }

    /// Every prediction: id, probabilities, latency in milliseconds.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[f32], f64)> + '_ {
        self.spans.iter().map(|(id, s)| {
            let (p, ms) = self.view(s);
            (id, p, ms)
        })
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans.keys()
    }

    /// Moves every prediction of `other` in, replacing those of ids held in both.
    pub fn extend(&mut self, other: Preds) -> Result<(), TooLong> {
        for (id, p, ms) in other.iter() {
            self.insert(id, p, ms)?;
        }
        Ok(())
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.spans.heap_bytes() + 4 * self.probs.capacity()
    }
}

impl std::fmt::Debug for Preds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(id, p, ms)| (id, (p, ms))))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The same operations on an IdMap and a HashMap give the same map, whatever the order.
    #[test]
    fn an_id_map_behaves_as_a_hash_map() {
        let mut m: IdMap<u64> = IdMap::new();
        let mut h: HashMap<String, u64> = HashMap::new();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = format!("id-{}", x % 3000);
            match x % 5 {
                0 => assert_eq!(m.remove(&id), h.remove(&id)),
                _ => assert_eq!(m.insert(&id, step).unwrap(), h.insert(id, step)),
            }
            assert_eq!(m.len(), h.len());
        }
        for (id, v) in &h {
            assert_eq!(m.get(id), Some(v));
        }
        assert_eq!(m.iter().count(), h.len());
        assert!(m.get("absent").is_none() && !m.contains_key("id-x"));
        let mut other = IdMap::new();
        other.insert("id-1", 7).unwrap();
        other.insert("new", 8).unwrap();
        m.extend(other).unwrap();
        assert_eq!((m.get("id-1"), m.get("new")), (Some(&7), Some(&8)));
        m.clear();
        assert!(m.is_empty() && m.get("new").is_none());
    }

    #[test]
    fn preds_keep_each_prediction_and_replace_on_insert() {
        let mut p = Preds::new();
        p.insert("a", &[0.1, 0.9], 2.0).unwrap();
        p.insert("b", &[0.5, 0.25, 0.25], 3.0).unwrap();
        p.insert("a", &[0.7, 0.3], 4.0).unwrap();
        assert_eq!(p.get("a"), Some((&[0.7f32, 0.3][..], 4.0)));
        assert_eq!(p.len(), 2);
        assert!(p.remove("b") && !p.remove("b") && p.get("b").is_none());
        let mut q = Preds::new();
        q.insert("c", &[1.0], 1.0).unwrap();
        p.extend(q).unwrap();
        let all: Vec<_> = p.iter().collect();
        assert_eq!(
            all,
            vec![("a", &[0.7f32, 0.3][..], 4.0), ("c", &[1.0f32][..], 1.0)]
        );
    }

    /// An empty map answers lookups without a table (none is allocated until an insert).
    #[test]
    fn an_empty_map_answers_lookups() {
        let m: IdMap<u8> = IdMap::new();
        assert!(m.get("a").is_none() && m.is_empty() && m.iter().next().is_none());
    }
}
