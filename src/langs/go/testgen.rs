//! Go: a table-driven `go test` in the loop's package. The remote side is an
//! `httptest.Server` that counts requests; the client is pointed at it through its
//! constructor (`NewClient(srv.URL)`) when the loop reaches it through a package variable.

use std::fmt::Write as _;

use crate::code::{Lang, summarize};
use crate::guidance::testgen::{Files, GeneratedTest, SIZES, Subject, camel, stem};

fn go_value(ty: &str, name: &str, indexed: bool) -> String {
    let ty = ty.trim();
    match ty {
        "string" if indexed => format!("fmt.Sprintf(\"{}-%04d\", i)", name.to_ascii_uppercase()),
        "string" => format!("\"{}-1\"", name.to_ascii_lowercase()),
        "int" | "int32" | "int64" | "uint" | "uint32" | "uint64" | "float64" | "float32" => {
            "1".to_owned()
        }
        "bool" => "true".to_owned(),
        "context.Context" => "context.Background()".to_owned(),
        _ => format!("*new({ty})"),
    }
}

pub fn generate(
    s: &Subject,
    files: Files,
    listing: &[String],
    batch_limit: usize,
) -> Result<GeneratedTest, String> {
    let pkg = s
        .summary
        .package
        .clone()
        .unwrap_or_else(|| "main".to_owned());
    let dir = s.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let path =
        crate::guidance::testgen::join(dir, &format!("{}_n_plus_one_test.go", stem(&s.path)));
    let module = listing
        .iter()
        .filter(|p| p.ends_with("go.mod"))
        .min_by_key(|p| p.len())
        .and_then(|p| files(p))
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("module ")
                    .map(|m| m.trim().to_owned())
            })
        });

    let mut imports = vec![
        "\"context\"".to_owned(),
        "\"fmt\"".to_owned(),
        "\"net/http\"".to_owned(),
        "\"net/http/httptest\"".to_owned(),
        "\"sync/atomic\"".to_owned(),
        "\"testing\"".to_owned(),
    ];

    // Point the client at the counting server.
    let mut setup = String::from("\t// TODO: point the client used by the loop at srv.URL.\n");
    if let Some(c) = &s.client {
        let client_dir = c.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let client_pkg = client_dir
            .rsplit('/')
            .next()
            .unwrap_or(client_dir)
            .to_owned();
        let same = client_dir == dir;
        let q = if same {
            String::new()
        } else {
            format!("{client_pkg}.")
        };
        if !same && let Some(m) = &module {
            imports.push(format!("\"{m}/{client_dir}\""));
        }
        let ctor = files(&c.path).and_then(|t| {
            let cs = summarize(&c.path, Lang::Go, &t);
            cs.functions
                .iter()
                .find(|f| f.class.is_none() && f.name == format!("New{}", c.class))
                .map(|f| f.name.clone())
        });
        // The package variable the loop's helper calls (`Default.Check`).
        let var = c.module_receiver.clone();
        if let (Some(ctor), Some(var)) = (ctor, var) {
            setup = format!(
                "\torig := {q}{var}\n\t{q}{var} = {q}{ctor}(srv.URL)\n\tt.Cleanup(func() {{ {q}{var} = orig }})\n"
            );
        }
    }

    // Inputs.
    let params = s.entry_params();
    let parts = s.iterable_parts();
    let elem = parts
        .as_ref()
        .and_then(|(root, _)| params.iter().find(|p| p.name == *root))
        .and_then(|p| p.type_text.as_deref())
        .and_then(|t| t.trim().strip_prefix("[]"))
        .map(str::to_owned);
    let var = s.loop_var.clone().unwrap_or_else(|| "item".to_owned());
    let elem_expr = match elem.as_deref() {
        Some(t) => match s.summary.classes.iter().find(|c| c.name == t) {
            Some(c) => {
                let fields: Vec<String> = c
                    .fields
                    .iter()
                    .filter(|f| !matches!(go_value(&f.type_text, &f.name, true).as_str(), v if v.starts_with("*new(")))
                    .map(|f| format!("{}: {}", f.name, go_value(&f.type_text, &f.name, true)))
                    .collect();
                format!("{t}{{{}}}", fields.join(", "))
            }
            None => go_value(t, &var, true),
        },
        None => "fmt.Sprintf(\"ITEM-%04d\", i)".to_owned(),
    };
    let elem_ty = elem.unwrap_or_else(|| "string".to_owned());
    let args: Vec<String> = params
        .iter()
        .map(|p| match &parts {
            Some((root, _)) if *root == p.name => "items".to_owned(),
            _ => go_value(p.type_text.as_deref().unwrap_or("any"), &p.name, false),
        })
        .collect();
    let callee = match &s.entry.class {
        Some(c) => format!("(&{c}{{}}).{}", s.entry.name),
        None => s.entry.name.clone(),
    };
    let call = format!("{callee}({})", args.join(", "));
    let returns_error =
        s.entry.return_type.as_deref().is_some_and(|r| {
            r.trim() == "error" || r.trim_end_matches(')').trim().ends_with("error")
        });
    let single_result = s
        .entry
        .return_type
        .as_deref()
        .is_some_and(|r| r.trim() == "error");
    let name = camel(&s.entry.name);

    let mut t = String::new();
    let _ = writeln!(
        t,
        "// Regression test for the N+1 in {} ({}:{}), generated by debuglens.\n\
         // Each element of `{}` costs one remote call; with a batch API of up to {batch_limit} items,\n\
         // N items need at most ceil(N / {batch_limit}) requests. Fails while the loop makes one call\n\
         // per item. Run: go test ./{dir} -run NPlusOne\n\
         package {pkg}\n\nimport (",
        s.entry.name,
        s.path,
        s.line,
        s.loop_iterable.as_deref().unwrap_or("the collection"),
    );
    for (n, i) in imports.iter().enumerate() {
        // Standard library first, then a blank line before module imports (gofmt groups).
        if n > 0 && i.contains('.') && !imports[n - 1].contains('.') {
            t.push('\n');
        }
        let _ = writeln!(t, "\t{i}");
    }
    let _ = writeln!(
        t,
        ")\n\nconst batchLimit = {batch_limit}\n\n\
         // countingServer answers every request with `available` and counts the requests.\n\
         func countingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int64) {{\n\
         \tt.Helper()\n\tvar calls atomic.Int64\n\
         \tsrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {{\n\
         \t\tcalls.Add(1)\n\t\tif handler != nil {{\n\t\t\thandler(w, r)\n\t\t\treturn\n\t\t}}\n\
         \t\tw.Header().Set(\"Content-Type\", \"application/json\")\n\
         \t\tfmt.Fprint(w, `{{\"available\": true}}`)\n\t}}))\n\
         \tt.Cleanup(srv.Close)\n{setup}\treturn srv, &calls\n}}\n\n\
         func makeItems(n int) []{elem_ty} {{\n\titems := make([]{elem_ty}, 0, n)\n\
         \tfor i := 0; i < n; i++ {{\n\t\titems = append(items, {elem_expr})\n\t}}\n\treturn items\n}}\n"
    );
    let sizes: Vec<String> = SIZES.iter().map(|n| n.to_string()).collect();
    let _ = writeln!(
        t,
        "func Test{name}NPlusOneRemoteCalls(t *testing.T) {{\n\
         \tfor _, n := range []int{{{}}} {{\n\
         \t\tt.Run(fmt.Sprintf(\"%d items\", n), func(t *testing.T) {{\n\
         \t\t\t_, calls := countingServer(t, nil)\n\
         \t\t\titems := makeItems(n)\n\n\
         \t\t\t{call}\n\n\
         \t\t\twant := (n + batchLimit - 1) / batchLimit\n\
         \t\t\tif got := int(calls.Load()); got > want {{\n\
         \t\t\t\tt.Errorf(\"%d items made %d remote calls; want at most %d = ceil(%d / %d): one call per item is the N+1 at {}:{}\", n, got, want, n, batchLimit)\n\
         \t\t\t}}\n\t\t}})\n\t}}\n}}\n",
        sizes.join(", "),
        s.path,
        s.line
    );
    let check_err = |want_err: bool| -> String {
        if single_result {
            if want_err {
                format!(
                    "\tif err := {call}; err == nil {{\n\t\tt.Error(\"want an error, got nil\")\n\t}}\n"
                )
            } else {
                format!("\tif err := {call}; err != nil {{\n\t\tt.Fatal(err)\n\t}}\n")
            }
        } else {
            let _ = returns_error;
            format!("\t{call} // TODO: assert the result\n")
        }
    };
    let _ = writeln!(
        t,
        "func Test{name}NPlusOnePartialAvailability(t *testing.T) {{\n\
         \tcountingServer(t, func(w http.ResponseWriter, r *http.Request) {{\n\
         \t\tfmt.Fprint(w, `{{\"available\": false}}`)\n\t}})\n\
         \titems := makeItems(5)\n{}}}\n",
        check_err(true)
    );
    let _ = writeln!(
        t,
        "func Test{name}NPlusOneRemoteFailure(t *testing.T) {{\n\
         \t// Drop the connection, as a timeout does, without waiting for the client timeout.\n\
         \t_, calls := countingServer(t, func(w http.ResponseWriter, r *http.Request) {{\n\
         \t\tpanic(http.ErrAbortHandler)\n\t}})\n\
         \titems := makeItems(5)\n{}\
         \tif got := calls.Load(); got > 2 {{\n\t\tt.Errorf(\"%d remote calls after a failure; want at most 2 (no retry per item)\", got)\n\t}}\n}}\n",
        check_err(true)
    );
    let _ = writeln!(
        t,
        "func Test{name}NPlusOneMoreItemsThanBatchLimit(t *testing.T) {{\n\
         \t_, calls := countingServer(t, nil)\n\
         \tn := 2*batchLimit + 20\n\
         \titems := makeItems(n)\n\n\
         \t{call}\n\n\
         \tif got, want := int(calls.Load()), (n+batchLimit-1)/batchLimit; got > want {{\n\
         \t\tt.Errorf(\"%d items made %d remote calls; want at most %d\", n, got, want)\n\t}}\n}}"
    );
    Ok(GeneratedTest {
        path,
        text: t,
        framework: "go test".to_owned(),
        run: format!("go test ./{dir} -run NPlusOne"),
    })
}
