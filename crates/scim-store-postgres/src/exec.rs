//! The shared SQL layer's executor on tokio-postgres: parameters converted
//! to the types the server inferred for them.

use bytes::BytesMut;
use scim_store_sql::Param;
use std::error::Error;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// A parameter as tokio-postgres sends it: an integer becomes the
/// `smallint`, `integer` or `bigint` its placeholder stands for.
#[derive(Debug)]
pub struct Bind<'p>(pub &'p Param<'p>);

fn narrow<T: TryFrom<i64>>(v: &[i64]) -> Result<Vec<T>, Box<dyn Error + Sync + Send>>
where
    T::Error: Error + Sync + Send + 'static,
{
    v.iter()
        .map(|i| T::try_from(*i).map_err(|e| Box::new(e) as Box<dyn Error + Sync + Send>))
        .collect()
}

impl ToSql for Bind<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql_checked(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql_checked(ty, out),
                _ => i.to_sql_checked(ty, out),
            },
            Param::Real(f) => f.to_sql_checked(ty, out),
            Param::Bool(b) => b.to_sql_checked(ty, out),
            Param::Text(s) => s.as_ref().to_sql_checked(ty, out),
            Param::Bytes(b) => b.to_sql_checked(ty, out),
            Param::Ints(v) => match *ty {
                Type::INT2_ARRAY => narrow::<i16>(v)?.to_sql_checked(ty, out),
                Type::INT4_ARRAY => narrow::<i32>(v)?.to_sql_checked(ty, out),
                _ => v.to_sql_checked(ty, out),
            },
            Param::Texts(v) => v.to_sql_checked(ty, out),
            Param::OptTexts(v) => v.to_sql_checked(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Parameters as tokio-postgres takes them.
pub fn binds<'p>(params: &'p [Param<'p>]) -> Vec<Bind<'p>> {
    params.iter().map(Bind).collect()
}

/// References to bound parameters.
pub fn refs<'b>(binds: &'b [Bind<'_>]) -> Vec<&'b (dyn ToSql + Sync)> {
    binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect()
}
