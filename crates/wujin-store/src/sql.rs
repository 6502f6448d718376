//! Dynamic SQL with bound values and `$N` placeholders.
//!
//! sqlx's own `QueryBuilder` writes `?` placeholders for the `Any` driver, which PostgreSQL
//! does not read. `$N` is read by both engines, but on SQLite every bind then looks its
//! parameter up by name, which costs time linear in the number of parameters: a batched
//! insert of a few thousand values spent a third of its time there. So this builder writes
//! `$N` for PostgreSQL and anonymous `?` for SQLite. Values are always bound, never spliced.

use sqlx::any::{AnyArguments, AnyQueryResult, AnyRow};
use sqlx::{Any, Arguments, Encode, Executor, FromRow, Type};

use crate::Backend;

pub struct Sql {
    text: String,
    args: AnyArguments<'static>,
    count: usize,
    backend: Backend,
}

impl Sql {
    pub fn new(backend: Backend, text: &str) -> Sql {
        Sql { text: text.to_string(), args: AnyArguments::default(), count: 0, backend }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
    {
        self.count += 1;
        match self.backend {
            Backend::Sqlite => self.text.push('?'),
            Backend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.count.to_string());
            }
        }
        self.args.add(value).expect("Any arguments accept every supported type");
        self
    }

    /// Appends `(v1, v2, …)`, a bound list for `IN`.
    pub fn bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
    {
        self.text.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v);
        }
        self.text.push(')');
        self
    }

    /// Appends `column` matching any of `ids`. PostgreSQL gets them as one text value
    /// (`= ANY(...)`): a statement of one parameter is prepared once and reused, where an
    /// `IN` list of a thousand placeholders costs a fresh parse and plan every time (about
    /// 4 ms a page of the change feed). SQLite takes the plain bound list.
    pub fn push_in_ids(&mut self, column: &str, ids: &[i64]) -> &mut Self {
        let mut list = String::with_capacity(ids.len() * 8 + 2);
        list.push('[');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            list.push_str(&id.to_string());
        }
        list.push(']');
        self.push(column);
        match self.backend {
            Backend::Sqlite => self.push(" IN (SELECT value FROM json_each(").bind(list).push("))"),
            Backend::Postgres => self.push(" = ANY(string_to_array(btrim(").bind(list).push(", '[]'), ',')::bigint[])"),
        }
    }

    pub fn binds(&self) -> usize {
        self.count
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub async fn execute<'c, E: Executor<'c, Database = Any>>(self, e: E) -> Result<AnyQueryResult, sqlx::Error> {
        sqlx::query_with(&self.text, self.args).execute(e).await
    }

    pub async fn fetch_all<'c, E: Executor<'c, Database = Any>>(self, e: E) -> Result<Vec<AnyRow>, sqlx::Error> {
        sqlx::query_with(&self.text, self.args).fetch_all(e).await
    }

    pub async fn fetch_all_as<'c, T, E>(self, e: E) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        E: Executor<'c, Database = Any>,
    {
        sqlx::query_as_with(&self.text, self.args).fetch_all(e).await
    }

    pub async fn fetch_one_scalar<'c, E: Executor<'c, Database = Any>>(self, e: E) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar_with(&self.text, self.args).fetch_one(e).await
    }

    pub async fn fetch_one_text<'c, E: Executor<'c, Database = Any>>(self, e: E) -> Result<String, sqlx::Error> {
        sqlx::query_scalar_with(&self.text, self.args).fetch_one(e).await
    }
}
