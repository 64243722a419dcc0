//! A pass over a Parquet file's data-page headers before polars decodes it. A data page whose
//! header declares a negative number of values (or, in a V2 page, of nulls) makes
//! polars-parquet 0.55.2 cast the count to `usize` and reserve a validity bitmap of that size
//! (2^61 bytes); the allocation failure aborts the process, which no `catch_unwind` can turn
//! into an error. Fuzzing the table reader found such files (issue 18; docs/fuzzing.md). Here
//! every column chunk's pages are walked, headers only (nothing is decompressed or decoded), and
//! such a page is a parse error naming its row group and column. A file whose metadata or pages
//! do not parse at all is left to polars, which reports it (under `contained`).

use polars_buffer::Buffer;
use polars_parquet::parquet::page::CompressedPage;
use polars_parquet::parquet::read::{read_metadata, PageReader};

/// The largest count a Parquet page header can hold (its fields are i32); a count above it
/// is a negative one cast to `usize`.
const MAX_COUNT: usize = i32::MAX as usize;

/// `Err` says which page polars could not decode without aborting.
pub fn check_pages(bytes: Vec<u8>) -> Result<(), String> {
    let buf = Buffer::from(bytes);
    let Ok(meta) = read_metadata(&mut std::io::Cursor::new(buf.clone())) else {
        return Ok(());
    };
    for (g, group) in meta.row_groups.iter().enumerate() {
        for (c, column) in group.parquet_columns().iter().enumerate() {
            let range = column.byte_range();
            let (start, end) = (range.start, range.end);
            if start > end || end > buf.len() as u64 {
                return Err(format!(
                    "row group {g}, column {c}: its bytes {start}..{end} lie outside the file ({} bytes)",
                    buf.len()
                ));
            }
            let chunk = buf.clone().sliced(start as usize..end as usize);
            // No page, nor any field of its header, is longer than the chunk that holds it.
            let limit = chunk.len();
            let pages = PageReader::new(std::io::Cursor::new(chunk), column, Vec::new(), limit);
            for page in pages {
                let page = match page {
                    Ok(CompressedPage::Data(page)) => page,
                    Ok(CompressedPage::Dict(_)) => continue,
                    // A header that does not parse ends the walk: polars reports it.
                    Err(_) => break,
                };
                // (A V2 page's row count is not read by polars: not checked.)
                let counts = [
                    ("values", Some(page.num_values())),
                    ("nulls", page.null_count()),
                ];
                if let Some((what, _)) = counts
                    .iter()
                    .find(|(_, n)| n.is_some_and(|n| n > MAX_COUNT))
                {
                    return Err(format!(
                        "row group {g}, column {c}: a data page declares a negative number of {what}"
                    ));
                }
            }
        }
    }
    Ok(())
}
