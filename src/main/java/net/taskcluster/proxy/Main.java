package net.taskcluster.proxy;

public final class Main {
    public static void main(String[] args) {
        System.out.println("placeholder");
    }
}
