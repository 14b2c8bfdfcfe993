//! Finds the line and column of a JSON pointer in YAML or JSON source text.
//!
//! Computed on demand, only for diagnostics: indexing every node of a large
//! spec up front would cost memory on the happy path.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

use crate::diagnostic::unescape_token;

/// 1-based (line, column) of the value `pointer` names in `text`, or of the
/// deepest existing ancestor when the pointer goes further than the document.
pub fn locate(text: &str, pointer: &str) -> Option<(usize, usize)> {
    locate_nth(text, pointer, 0)
}

/// Like [`locate`], at the `nth` (0-based) copy of the pointer's last key in
/// its mapping: where a key named twice is named the second time.
pub fn locate_nth(text: &str, pointer: &str, nth: usize) -> Option<(usize, usize)> {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape_token).collect();
    let mut parser = Parser::new_from_str(text);
    // Skip stream and document start.
    loop {
        let (event, mark) = parser.next_token().ok()?;
        match event {
            Event::StreamStart | Event::DocumentStart => continue,
            Event::StreamEnd => return None,
            _ => {
                let mut best = Some(node_position(&mut parser, &event, mark));
                if tokens.is_empty() {
                    return best;
                }
                let found = descend(&mut parser, event, &tokens, nth, &mut best);
                return if found.is_some() { found } else { best };
            }
        }
    }
}

/// `event` starts the current node; find `tokens` below it.
fn descend(
    parser: &mut Parser<std::str::Chars<'_>>,
    event: Event,
    tokens: &[String],
    mut nth: usize,
    best: &mut Option<(usize, usize)>,
) -> Option<(usize, usize)> {
    let Some((want, rest)) = tokens.split_first() else {
        return *best;
    };
    match event {
        Event::MappingStart(..) => loop {
            let (key, key_mark) = parser.next_token().ok()?;
            let key = match key {
                Event::MappingEnd => return None,
                Event::Scalar(s, ..) => s,
                other => {
                    // A complex key: skip it and its value.
                    skip(parser, other)?;
                    let (v, _) = parser.next_token().ok()?;
                    skip(parser, v)?;
                    continue;
                }
            };
            let (value, _) = parser.next_token().ok()?;
            if &key == want && rest.is_empty() && nth > 0 {
                nth -= 1;
            } else if &key == want {
                // Point at the key: that is the line a reader looks for.
                *best = Some((key_mark.line(), key_mark.col() + 1));
                return if rest.is_empty() {
                    *best
                } else {
                    descend(parser, value, rest, nth, best)
                };
            }
            skip(parser, value)?;
        },
        Event::SequenceStart(..) => {
            let index: usize = want.parse().ok()?;
            let mut i = 0;
            loop {
                let (item, mark) = parser.next_token().ok()?;
                if item == Event::SequenceEnd {
                    return None;
                }
                if i == index {
                    *best = Some(node_position(parser, &item, mark));
                    return if rest.is_empty() {
                        *best
                    } else {
                        descend(parser, item, rest, nth, best)
                    };
                }
                skip(parser, item)?;
                i += 1;
            }
        }
        _ => None,
    }
}

/// 1-based (line, column) of the node that `event` starts at `mark`. The
/// parser marks a block mapping at its first `:`; a reader looks for its
/// first key, which is the next event and comes earlier in the text.
fn node_position(
    parser: &mut Parser<std::str::Chars<'_>>,
    event: &Event,
    mark: Marker,
) -> (usize, usize) {
    if let Event::MappingStart(..) = event
        && let Ok((_, key)) = parser.peek()
        && (key.line(), key.col()) < (mark.line(), mark.col())
    {
        return (key.line(), key.col() + 1);
    }
    (mark.line(), mark.col() + 1)
}

/// Consume the rest of the node that `event` starts.
fn skip(parser: &mut Parser<std::str::Chars<'_>>, event: Event) -> Option<()> {
    let mut depth = match event {
        Event::MappingStart(..) | Event::SequenceStart(..) => 1usize,
        _ => return Some(()),
    };
    while depth > 0 {
        let (e, _) = parser.next_token().ok()?;
        match e {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            Event::StreamEnd => return None,
            _ => {}
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::{locate, locate_nth};

    const YAML: &str = "openapi: 3.0.3\npaths:\n  /a~b/c:\n    get:\n      responses:\n        '200':\n          description: ok\nlist:\n  - x\n  - y: 1\n";

    #[test]
    fn finds_nested_keys_with_escaped_tokens() {
        assert_eq!(locate(YAML, "/paths/~1a~0b~1c/get"), Some((4, 5)));
        assert_eq!(
            locate(YAML, "/paths/~1a~0b~1c/get/responses/200/description"),
            Some((7, 11))
        );
    }

    #[test]
    fn finds_sequence_items_and_falls_back_to_the_deepest_ancestor() {
        assert_eq!(locate(YAML, "/list/1/y"), Some((10, 5)));
        assert_eq!(locate(YAML, "/paths/missing"), Some((2, 1)));
    }

    #[test]
    fn block_mappings_are_located_at_their_first_key() {
        let yaml = "info: {title: t}\nlist:\n  - check: a\n    code: b\n  - {check: c}\n";
        assert_eq!(locate(yaml, ""), Some((1, 1)));
        assert_eq!(locate(yaml, "/list/0"), Some((3, 5)));
        assert_eq!(locate(yaml, "/list/1"), Some((5, 5)));
        assert_eq!(locate(yaml, "/list/0/missing"), Some((3, 5)));
    }

    #[test]
    fn finds_the_nth_copy_of_a_key_named_twice() {
        let yaml = "a:\n  b: 1\n  c: 2\n  b: 3\nb: 4\n";
        assert_eq!(locate_nth(yaml, "/a/b", 0), Some((2, 3)));
        assert_eq!(locate_nth(yaml, "/a/b", 1), Some((4, 3)));
        // No third copy: the mapping that holds the key.
        assert_eq!(locate_nth(yaml, "/a/b", 2), Some((1, 1)));
        let json = "{\"a\": 1,\n \"a\": 2}";
        assert_eq!(locate_nth(json, "/a", 1), Some((2, 2)));
    }

    #[test]
    fn works_on_json() {
        let json = "{\n  \"a\": {\n    \"b\": [1, {\"c\": true}]\n  }\n}";
        assert_eq!(locate(json, "/a/b/1/c"), Some((3, 15)));
    }
}
