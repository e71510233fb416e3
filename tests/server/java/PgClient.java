import java.sql.*;
import java.util.*;

/** A tiny pgjdbc client: prints what it sees so a test can assert on it. */
public class PgClient {
    public static void main(String[] args) throws Exception {
        String url = args[0], user = args[1], password = args[2], table = args[3];
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        try (Connection c = DriverManager.getConnection(url, props)) {
            DatabaseMetaData md = c.getMetaData();
            System.out.println("product=" + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
            try (ResultSet rs = md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"})) {
                while (rs.next()) System.out.println("table=" + rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
            }
            try (ResultSet rs = md.getColumns(null, null, table, "%")) {
                while (rs.next()) System.out.println("column=" + rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME") + ":" + rs.getInt("DATA_TYPE") + ":" + rs.getString("IS_NULLABLE"));
            }
            try (ResultSet rs = md.getPrimaryKeys(null, null, table)) {
                while (rs.next()) System.out.println("pk=" + rs.getString("COLUMN_NAME"));
            }
            try (ResultSet rs = md.getImportedKeys(null, null, table)) {
                while (rs.next()) System.out.println("fk=" + rs.getString("FKCOLUMN_NAME") + "->" + rs.getString("PKTABLE_NAME") + "." + rs.getString("PKCOLUMN_NAME"));
            }
            try (ResultSet rs = md.getSchemas()) { while (rs.next()) System.out.println("schema=" + rs.getString(1)); }
            try (ResultSet rs = md.getCatalogs()) { while (rs.next()) System.out.println("catalog=" + rs.getString(1)); }
            int types = 0;
            try (ResultSet rs = md.getTypeInfo()) { while (rs.next()) types++; }
            System.out.println("typeinfo=" + types);
            String sql = "SELECT \"Id\", \"Title\", \"Value\", \"AddTime\", \"CloseDate\", \"Won\" FROM \"" + table + "\" WHERE \"Id\" >= ? ORDER BY \"Id\"";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < 8; i++) {
                    ps.setLong(1, 1);
                    int n = 0;
                    StringBuilder first = new StringBuilder();
                    try (ResultSet rs = ps.executeQuery()) {
                        ResultSetMetaData rmd = rs.getMetaData();
                        while (rs.next()) {
                            if (n == 0) {
                                for (int k = 1; k <= rmd.getColumnCount(); k++) first.append(rmd.getColumnName(k)).append('=').append(rs.getObject(k)).append(';');
                            }
                            n++;
                        }
                    }
                    System.out.println("prepared#" + i + " rows=" + n + " first=" + first);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT ?::text || 'x', ? + 1")) {
                ps.setString(1, "a"); ps.setInt(2, 41);
                try (ResultSet rs = ps.executeQuery()) { rs.next(); System.out.println("params=" + rs.getString(1) + "," + rs.getInt(2)); }
            }
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT no_such_column FROM \"" + table + "\"");
            } catch (SQLException e) {
                System.out.println("error=" + e.getSQLState());
            }
            // what connection pools (HikariCP, c3p0, DBeaver's keep-alive) ask before lending a connection
            System.out.println("valid=" + c.isValid(5));
            try (Statement st = c.createStatement()) {
                st.setMaxRows(7);
                int n = 0;
                try (ResultSet rs = st.executeQuery("SELECT * FROM public." + table.toLowerCase())) { while (rs.next()) n++; }
                System.out.println("maxrows=" + n);
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setFetchSize(100);  // a portal resumed with row limits (Execute max_rows)
                int n = 0;
                try (ResultSet rs = st.executeQuery("SELECT \"Id\" FROM \"" + table + "\"")) { while (rs.next()) n++; }
                System.out.println("fetched=" + n);
            }
            c.commit();
            System.out.println("valid-after=" + c.isValid(5));
        }
    }
}
