package io.virtwire.provisioner.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** virsh-style aligned columns with a dashed rule under the header. */
public final class TextTable {

    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    public TextTable(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    public TextTable row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + columns + " columns");
        }
        String[] r = new String[columns];
        for (int i = 0; i < columns; i++) {
            r[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    public void print(PrintWriter out) {
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        int total = 0;
        for (int i = 0; i < columns; i++) {
            total += width[i] + (i == columns - 1 ? 0 : 3);
        }
        for (int n = 0; n < rows.size(); n++) {
            StringBuilder line = new StringBuilder(" ");
            String[] r = rows.get(n);
            for (int i = 0; i < columns; i++) {
                line.append(r[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 3));
                }
            }
            out.println(line.toString().stripTrailing());
            if (n == 0) {
                out.println("-".repeat(total + 2));
            }
        }
    }
}
