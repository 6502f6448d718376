//! The tantivy side of [`Words`]: a tokenizer that emits its search-mode terms.
//!
//! tantivy-jieba exists, but it cuts with jieba's built-in dictionary only; the cluster's
//! own words must be in the dictionary, so this thin adapter owns the segmenter instead.

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::words::Words;

pub const NAME: &str = "wujin";

#[derive(Clone)]
pub struct WordsTokenizer {
    words: Arc<Words>,
}

impl WordsTokenizer {
    pub fn new(words: Arc<Words>) -> Self {
        WordsTokenizer { words }
    }
}

pub struct WordsTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for WordsTokenizer {
    type TokenStream<'a> = WordsTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordsTokenStream {
        let tokens = self
            .words
            .terms_with_offsets(text)
            .into_iter()
            .enumerate()
            .map(|(position, (text, from, to))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text,
                position_length: 1,
            })
            .collect();
        WordsTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for WordsTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
