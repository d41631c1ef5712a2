//! Keyword tables: a section's keywords as a field-less enum, found by name in one string.
//!
//! A `match` on strings compiles to a length test and a `memcmp` call per arm, and a table of
//! `(&str, fn)` pairs costs two pointers per entry (each with a relocation in a PIE build):
//! both measured bigger than this. Here the names are one string, the lookup is one loop
//! shared by every section, and a section's `match` on the enum is a jump table.

/// `keyword_table! { enum Kw { "name" => Variant, ... } }`: the enum, with `Kw::lookup(name)`.
macro_rules! keyword_table {
    ($(#[$m:meta])* $vis:vis enum $ty:ident { $($name:literal => $v:ident,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq)]
        $vis enum $ty {
            $($v,)*
        }

        impl $ty {
            /// The names in variant order, each followed by a space.
            const NAMES: &'static str = concat!($($name, " ",)*);
            const ALL: &'static [$ty] = &[$($ty::$v,)*];

            /// The keyword spelled `name`, if this section has one.
            $vis fn lookup(name: &str) -> Option<Self> {
                $crate::config::kwtable::position(Self::NAMES, name)
                    .and_then(|i| Self::ALL.get(i).copied())
            }
        }
    };
}

pub(crate) use keyword_table;

/// The index of `name` among the space-terminated words of `names`: a linear scan, which
/// for the hundred-odd names of the biggest section is well under a microsecond.
#[inline(never)]
pub(crate) fn position(names: &str, name: &str) -> Option<usize> {
    let name = name.as_bytes();
    let mut rest = names.as_bytes();
    let mut i = 0;
    while let Some(end) = rest.iter().position(|&b| b == b' ') {
        if rest.get(..end) == Some(name) {
            return Some(i);
        }
        rest = rest.get(end + 1..).unwrap_or_default();
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    keyword_table! {
        enum Kw {
            "a" => A,
            "ab" => Ab,
            "b" => B,
        }
    }

    #[test]
    fn names_map_to_their_variants_and_nothing_else_matches() {
        assert!(Kw::lookup("a") == Some(Kw::A));
        assert!(Kw::lookup("ab") == Some(Kw::Ab));
        assert!(Kw::lookup("b") == Some(Kw::B));
        for other in ["", " ", "a ", "abb", "c", "a b"] {
            assert!(Kw::lookup(other).is_none(), "{other:?}");
        }
    }
}
