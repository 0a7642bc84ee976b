fn main() {
    println!("usage: sasd <command>");
}
