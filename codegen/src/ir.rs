//! The intermediate representation: the spec lowered once into exactly what
//! the emitters need. Names are already Rust names, references are resolved,
//! and every choice about shapes has been made, so emitters only print.

/// A whole API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`, the API version the spec describes.
    pub version: String,
    /// Every named type, sorted by name.
    pub types: Vec<TypeDef>,
    /// Operations grouped by tag, in the order tags are declared.
    pub groups: Vec<Group>,
    /// `servers`, in spec order.
    pub servers: Vec<Server>,
}

/// An entry of `servers`.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// URL template, e.g. `https://{region}.example.com/v1`.
    pub url: String,
    /// Description.
    pub description: Option<String>,
    /// Template variables: name, default, allowed values.
    pub variables: Vec<ServerVariable>,
}

/// A variable of a server URL template.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerVariable {
    /// Name in the template.
    pub name: String,
    /// Default value.
    pub default: String,
    /// Allowed values (empty: any).
    pub values: Vec<String>,
}

/// A named Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Rust type name.
    pub name: String,
    /// Documentation from the schema.
    pub doc: Option<String>,
    /// What it is.
    pub kind: TypeDefKind,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDefKind {
    /// A struct of named fields.
    Struct {
        /// Its fields, in spec order.
        fields: Vec<Field>,
    },
    /// A string enum that keeps values it does not know.
    Enum {
        /// Known values.
        variants: Vec<Variant>,
    },
    /// An integer enum that keeps values it does not know.
    IntEnum {
        /// Known values.
        variants: Vec<IntVariant>,
    },
    /// `oneOf`/`anyOf`: one of several types.
    Union {
        /// The alternatives, in spec order.
        variants: Vec<UnionVariant>,
        /// The discriminator property, when the union is tagged.
        tag: Option<String>,
    },
    /// Another name for a type.
    Alias(TypeRef),
}

/// A known value of an integer enum.
#[derive(Debug, Clone, PartialEq)]
pub struct IntVariant {
    /// The value.
    pub value: i64,
    /// Rust variant name.
    pub ident: String,
}

/// One alternative of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// Rust variant name.
    pub ident: String,
    /// Its type.
    pub ty: TypeRef,
    /// The discriminator value that selects it (tagged unions only).
    pub tag_value: Option<String>,
    /// The type contains the union itself: it is held in a `Box`.
    pub boxed: bool,
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Name on the wire.
    pub wire: String,
    /// Rust identifier.
    pub ident: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Its type (without the `Option` that `optional` adds).
    pub ty: TypeRef,
    /// Absent or null on the wire is allowed: the field is an `Option`.
    pub optional: bool,
    /// The field's type contains the struct itself: it is held in a `Box`.
    pub boxed: bool,
    /// The field collects the properties not named (`additionalProperties`):
    /// a map flattened into the struct.
    pub flatten: bool,
}

/// A known value of a string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The value on the wire.
    pub wire: String,
    /// Rust variant name.
    pub ident: String,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `String`
    String,
    /// Any JSON value.
    Json,
    /// A named type from [`Api::types`].
    Named(String),
    /// `Vec<T>`
    List(Box<TypeRef>),
    /// A map from strings to `T`.
    Map(Box<TypeRef>),
    /// `T` or `null`, where the spec says `nullable` outside a struct field
    /// (a response, a list item, a map value).
    Option(Box<TypeRef>),
}

/// Operations that share a tag: one client trait and one command group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The tag.
    pub tag: String,
    /// Trait name, e.g. `ImageApi`.
    pub trait_name: String,
    /// Command name, e.g. `image`.
    pub command: String,
    /// Rust identifier used for the group's command enum variant.
    pub variant: String,
    /// Tag description.
    pub doc: Option<String>,
    /// Its operations, in spec order.
    pub operations: Vec<Operation>,
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// operationId (or a derived one).
    pub id: String,
    /// Rust method name, e.g. `image_list`.
    pub method_name: String,
    /// HTTP method.
    pub method: Method,
    /// Path template as written, e.g. `/containers/{id}/json`.
    pub path: String,
    /// The template split into literal text and parameters.
    pub path_parts: Vec<PathPart>,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Parameters in declaration order (path ones in template order first).
    pub params: Vec<Param>,
    /// Name of the generated parameter struct, when there are non-path parameters.
    pub params_struct: Option<String>,
    /// The request body.
    pub body: Option<Body>,
    /// What a successful call returns.
    pub result: OpResult,
    /// The protocol asked for in the `Upgrade` header, for operations that
    /// can switch protocols (those with a `101` response).
    pub upgrade: Option<String>,
    /// How the operation appears on the command line.
    pub cli: Cli,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq)]
pub enum PathPart {
    /// Literal text.
    Literal(String),
    /// The value of the path parameter with this Rust identifier.
    Param(String),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In a cookie.
    Cookie,
}

/// How a parameter's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamEncoding {
    /// Text per `style` and `explode`.
    Plain,
    /// The whole value as JSON text (`content: application/json`).
    Json,
}

/// The OpenAPI `style` of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// `form` (query, cookie): `a=1&a=2` exploded, `a=1,2` not.
    Form,
    /// `simple` (path, header): `1,2`.
    Simple,
    /// `spaceDelimited` (query arrays): `a=1%202`.
    SpaceDelimited,
    /// `pipeDelimited` (query arrays): `a=1|2`.
    PipeDelimited,
    /// `deepObject` (query objects): `a[k]=v`.
    DeepObject,
}

/// A parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name on the wire.
    pub wire: String,
    /// Rust identifier.
    pub ident: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// How it is encoded.
    pub encoding: ParamEncoding,
    /// Its style.
    pub style: ParamStyle,
    /// Whether lists and objects are exploded.
    pub explode: bool,
    /// Its type.
    pub ty: TypeRef,
    /// Must be given.
    pub required: bool,
    /// Documentation.
    pub doc: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Must be given.
    pub required: bool,
    /// What it carries.
    pub kind: BodyKind,
    /// Documentation.
    pub doc: Option<String>,
}

/// What a request body carries.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    /// A JSON document of this type.
    Json(TypeRef),
    /// Raw bytes sent with this media type, streamed.
    Binary {
        /// The Content-Type to send.
        media_type: String,
    },
    /// Text sent as `text/plain`.
    Text,
    /// An object sent as `application/x-www-form-urlencoded`.
    Form(TypeRef),
    /// An object sent as `multipart/form-data`, a part per property.
    Multipart(TypeRef),
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq)]
pub enum OpResult {
    /// One success status: its reply is the result.
    Single(Reply),
    /// Several success statuses: an enum with a variant per status.
    Outcomes {
        /// Name of the generated enum.
        name: String,
        /// One per status, in ascending status order.
        variants: Vec<Outcome>,
    },
}

/// One success status of an operation with several.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// HTTP status.
    pub status: u16,
    /// Variant name, e.g. `NotModified`.
    pub variant: String,
    /// What the response carries.
    pub reply: Reply,
    /// Documentation (the response description).
    pub doc: Option<String>,
}

/// One success response: its body, and the headers it declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The body.
    pub content: Content,
    /// Typed response headers, when the response declares any.
    pub headers: Option<Headers>,
}

/// The declared headers of a response, as a generated struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Headers {
    /// Name of the generated struct.
    pub name: String,
    /// One field per header.
    pub fields: Vec<ResponseHeader>,
}

/// A response header that carries data.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseHeader {
    /// Header name on the wire.
    pub wire: String,
    /// Rust identifier.
    pub ident: String,
    /// Decoded type.
    pub ty: TypeRef,
    /// How the value is encoded.
    pub encoding: HeaderEncoding,
    /// Documentation.
    pub doc: Option<String>,
}

/// How a header's value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderEncoding {
    /// The text is the value (`FromStr`).
    Plain,
    /// Base64 of the value's JSON (`x-berth-encoding: base64-json`).
    Base64Json,
}

/// What a response body carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Nothing.
    Empty,
    /// One JSON document.
    Json(TypeRef),
    /// Text.
    Text,
    /// Raw bytes, streamed.
    Binary,
    /// A stream of JSON values of one type.
    JsonLines {
        /// Item type.
        item: TypeRef,
        /// JSON pointer to an error message inside an item.
        error: Option<String>,
    },
    /// A multiplexed stdout/stderr stream.
    Multiplexed,
    /// The connection itself, after `101 Switching Protocols`.
    Upgraded,
}

/// Command-line shape of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Cli {
    /// Subcommand name.
    pub name: String,
    /// Other names for it.
    pub aliases: Vec<String>,
    /// Extra docker-style commands that map onto the operation.
    pub commands: Vec<CliCommand>,
    /// Flag defaults on the command line that differ from the API's:
    /// (Rust identifier of the parameter, the default as flag text).
    pub defaults: Vec<(String, String)>,
}

/// A docker-style command that maps onto an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct CliCommand {
    /// Subcommand name.
    pub name: String,
    /// Rust identifier stem for its generated types.
    pub type_name: String,
    /// Help text.
    pub about: Option<String>,
    /// Parameters with fixed values: (Rust identifier of the param, value).
    pub set: Vec<(String, serde_json::Value)>,
    /// Parameters still offered as flags (Rust identifiers).
    pub flags: Vec<String>,
    /// Positionals, in order.
    pub args: Vec<CliArg>,
}

/// A positional of a docker-style command.
#[derive(Debug, Clone, PartialEq)]
pub struct CliArg {
    /// Rust identifier of the argument.
    pub ident: String,
    /// Placeholder shown in help.
    pub value_name: String,
    /// Help text.
    pub help: Option<String>,
    /// May be left out.
    pub optional: bool,
    /// Takes one or more values (the last positional only; fills a list).
    pub variadic: bool,
    /// What it fills.
    pub target: CliArgTarget,
}

/// What a positional fills.
#[derive(Debug, Clone, PartialEq)]
pub enum CliArgTarget {
    /// The request body (a file path or `-`).
    Body,
    /// One parameter (Rust identifier).
    Param(String),
    /// `NAME[:TAG]` split into two parameters (Rust identifiers).
    NameTag(String, String),
}
